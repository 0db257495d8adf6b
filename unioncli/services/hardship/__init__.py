"""Hardship files (困难职工帮扶档案), the write side: open, update, review, visit, close, reopen,
family members, the county's 低保 line. The reads (show, list, due, notice, settings) are in
``unioncli.views.hardship``.

Rooms:

- ``fields``: the fields of a file, a family member, a review or visit, parsed (no database);
- ``files``: file numbers, lookups, who is in an open file, the category in force on a day;
- ``rules``: the state rules of a change (an open file only; dates);
- ``household``: the household's people and family members;
- ``lifecycle``: open, update, review, visit, close, reopen;
- ``low_income``: setting a year's 低保 line.

Rules (SPEC §2.2) and where they live:

- a person is in at most one open file, as head or as family member:
  ``files.check_not_in_open_file`` (and the partial unique index ``uq_hardship_file_open_head``
  for heads, whatever the race);
- reviews, visits, closing and updates need an open file: ``rules.require_open``;
- dates are never in the future nor before the file was opened: ``fields.past_date`` /
  ``fields.not_before``;
- a file's category is dated: the opening category (``opened_category``), then each review's;
  the category in force on a day is the latest review's by then (ties: the later entered), else
  the opening one (``files.category_on``); ``category`` caches the current one
  (``files.current_category``); ``update`` never changes the category;
- a household that falls back gets a new file linked to the closed one: ``lifecycle.reopen_file``;
- the income per head is checked against the year's 低保 line: ``views.hardship.income_warning``.

No names are re-exported here: import from the room (a read must not pull in the ORM).
"""
