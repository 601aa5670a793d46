import plans.adapters.issued_files  # noqa: F401  (its table on the same metadata)
from plans.adapters.orm import Base
from servicekit.process import run_migrations_in_env

run_migrations_in_env(Base.metadata)
