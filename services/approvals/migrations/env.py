from approvals.adapters.orm import Base
from servicekit.process import run_migrations_in_env

run_migrations_in_env(Base.metadata)
