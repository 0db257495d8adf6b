"""The read side of hardship files (困难职工帮扶档案): plain SQL through ``db.read``, no ORM (see
``unioncli.views``).

Rooms:

- ``common``: the field labels and messages, the union lookup, the category in force on a day;
- ``files``: a file by reference, one file whole (``hardship show``; the writes read a file back
  through ``file_view`` on their own connection), the list, the files a person heads;
- ``due``: the clerk's work queue (reviews and home visits due) and its month arithmetic;
- ``notice``: the public notices (公示);
- ``low_income``: the county's 低保 lines and the income check against them.
"""
