"""glue-nb: AWS Glue Workflows for Jupyter (public names are re-exported here)."""

__version__ = "0.1.0"
