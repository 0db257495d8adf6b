"""A realistic, deterministic sample county ledger: the first thing a newcomer sees.

Built with bulk inserts so that ``--members 1000000`` finishes in about a minute: the same seed
always gives the same ledger, down to each ID number. Besides unions and members it holds the
federation's casework (SPEC §2.2): hardship files with their families, yearly reviews, home visits,
closures and reopenings, the county's 低保 line per year, and every payment of aid; and the 金秋助学
rounds (SPEC §2.3): each year's standards and budget, and the grants to the children of hardship
households and of migrant-worker members, from application to payment; and the outdoor-worker
stations (SPEC §2.4) across the townships, with their yearly ratings and monthly service ledger.

The rooms, one per register, each drawing rows from its own random stream (so that one register
changes nothing of another's): ``common`` (the county, names, random helpers, new people),
``orgs`` (unions, people, members and their history, unions that ended), ``hardship`` (files,
families, reviews, visits, aid), ``grants`` (金秋助学), ``stations``; and ``builder``, which
inserts them in one transaction (``build``, ``DemoResult``) and guards a ledger with real work.
"""
