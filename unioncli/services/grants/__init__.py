"""金秋助学 (scholarship grants), one room a module: ``rules`` (parsing, eligibility, one per year,
standard amounts, budget), ``plan`` (a new grant checked and written, for apply and import),
``settings`` (standards, budget), ``applications`` (apply … pay), ``figures`` (the yearly
figures, a grant's union). Reads are ``views/grants``.

Rules (SPEC §2.3) and where they live:

- eligibility, checked when applying and again when approving: ``eligibility_of`` — the parent is
  the head or a family member of a hardship file open at some point in the round year
  (opened on or before 31 December, not closed before 1 January), or a migrant-worker member
  (``Member.migrant``) whose membership was in force — 在册 or 保留会籍 — at some point in the
  round year (from the dated member events, the way files are judged). Otherwise only an explicit
  override reason lets the application in;
- one standing grant (applied, approved, paid) per student per year, across all levels:
  ``check_one_per_year`` (and the partial unique index ``uq_grant_student_id_year``);
- the amount is the year's standard for level × parent on a file or not, unless given; a given
  amount that differs needs a reason; a year without standards takes amounts as given, with a
  warning: ``decide_amount``;
- approvals (and imported approved or paid grants) stay within the year's budget: ``check_budget``;
- which status change is allowed from which status: ``TRANSITIONS``, nowhere else;
- a payment date lies in the round year or later, never in the future: ``check_paid_on``;
- every status change is dated — applied_on → approved_on → paid_on | decided_on (a rejection or
  withdrawal) — so a year's figures read the state in force on 31 December: ``year_figures``
  counts the round's grants paid by then, in the union the parent was in on that day
  (``grant_org``).

The rule functions take a ``Session`` or a ``Connection`` and only read, so that the ``grants``
import kind (which works on a connection) applies the very same rules; ``plan_grant`` checks a
whole new grant and ``write_grant`` writes it (core inserts, for both paths).

Public functions for other parts: ``rules.parse_grant_fields``, ``rules.standing_grant``,
``rules.find_person``, ``rules.eligibility_of``, ``rules.standard_amount``, ``rules.has_standards``,
``rules.check_budget``, ``rules.used_budget``, ``rules.budget_of``, ``rules.check_paid_on``,
``plan.import_grant`` (the ``grants`` import kind), ``figures.year_figures`` (the yearly report), ``figures.grants_in_county``
(exports in the clerk's county).
"""
