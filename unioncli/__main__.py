from unioncli.cli import main

main()
