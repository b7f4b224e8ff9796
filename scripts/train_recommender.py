"""Train the recommender on what the index and the signed interactions hold (`make train`).

The running API serves the new version on its next request, without a restart.
"""

import json

from rich.console import Console

from backend.core.config import Settings
from backend.db.session import make_engine, make_sessionmaker, migrate
from backend.services.recsys.training import TRAINING_FILE, train

if __name__ == "__main__":
    settings = Settings()
    migrate(settings.effective_database_url)
    sessions = make_sessionmaker(make_engine(settings.effective_database_url))
    with sessions() as session:
        directory = train(session=session, models_dir=settings.models_dir)
    Console().print_json(json.dumps(json.loads((directory / TRAINING_FILE).read_text())))
