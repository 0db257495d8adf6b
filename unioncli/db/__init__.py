"""Engine, pragmas, unit of work and Alembic wiring: the only place that knows about connections."""
