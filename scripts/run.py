"""Entry point of `make run`: see `backend.launcher`. Settings come from the environment."""

from backend.core.config import Settings
from backend.launcher import serve

if __name__ == "__main__":
    serve(Settings())
