"""unioncli — 工会台账: the terminal ledger of a county trade-union federation."""

__version__ = "0.1.0"
