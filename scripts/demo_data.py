"""Seed a running, empty registry with the demo catalogue (`make run` does it by itself).

Usage: .venv/bin/python scripts/demo_data.py [API_URL]   (default http://127.0.0.1:8000)
"""

import json
import sys

from backend.demo import seed

if __name__ == "__main__":
    print(json.dumps(seed(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"), indent=1))
