"""Job kinds: notebooks (papermill) and crawls (catalog)."""
