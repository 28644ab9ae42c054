"""``glue-nb serve``: Glue's API (AWS JSON 1.1) over HTTP for the AWS CLI, boto3 and any SDK."""

from __future__ import annotations

import click

from glue_nb.cli.options import home_option

__all__ = ["serve"]


@click.command()
@home_option
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8742, show_default=True, help="port (0: any free port)")
@click.option(
    "--access-key-id",
    envvar="GLUE_NB_SERVER_ACCESS_KEY_ID",
    default=None,
    help="require requests signed (SigV4) with this key id [$GLUE_NB_SERVER_ACCESS_KEY_ID]",
)
@click.option(
    "--secret-access-key",
    envvar="GLUE_NB_SERVER_SECRET_ACCESS_KEY",
    default=None,
    help="... and this secret [$GLUE_NB_SERVER_SECRET_ACCESS_KEY]",
)
@click.option(
    "--credentials-file",
    envvar="GLUE_NB_SERVER_CREDENTIALS_FILE",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="accept the key pairs of this file (~/.aws/credentials format)",
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="folder local paths in requests must lie in (repeatable; default: the "
    "working directory); relative paths are taken from the first",
)
@click.option(
    "--allow-urls",
    is_flag=True,
    help="accept any URL (http://, ...) as a script, crawler or table location; data-store "
    "URLs (s3://, gs://, abfs://, hdfs://) are always accepted",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="listen on a non-loopback address without credentials (anyone who reaches "
    "it can run code as you)",
)
@click.option("--threads", default=16, show_default=True, help="requests answered at once")
@click.option("--max-request-bytes", default=10 * 1024 * 1024, show_default=True)
@click.option(
    "--account-id",
    default="123456789012",
    show_default=True,
    help="the account id in ARNs and CatalogId",
)
@click.option("--region", default="us-east-1", show_default=True, help="the region in ARNs")
@click.option("--log-level", default="WARNING", show_default=True)
def serve(
    home: str | None, host: str, port: int, access_key_id: str | None,
    secret_access_key: str | None, credentials_file: str | None, roots: tuple[str, ...],
    allow_urls: bool, insecure: bool, threads: int, max_request_bytes: int, account_id: str,
    region: str, log_level: str,
) -> None:  # fmt: skip
    """Serve Glue's API (AWS JSON 1.1) for the AWS CLI, boto3 and any SDK.

    \b
    aws glue list-workflows --endpoint-url http://127.0.0.1:8742
    AWS_ENDPOINT_URL_GLUE=http://127.0.0.1:8742 python my_glue_script.py

    SIGTERM/Ctrl-C: stop accepting requests, finish those in flight, stop the runs in
    progress (they end STOPPED and can be resumed).
    """
    import logging

    from glue_nb.api.auth import load_credentials
    from glue_nb.api.server import ServerConfig
    from glue_nb.api.server import serve as run_server

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        credentials = load_credentials(access_key_id, secret_access_key, credentials_file)
        config = ServerConfig(
            home=home, host=host, port=port, credentials=credentials, insecure=insecure,
            roots=list(roots) or None, remote_urls=allow_urls, threads=threads,
            max_request_bytes=max_request_bytes, account_id=account_id, region=region,
        )  # fmt: skip
        config.check()
    except ValueError as exc:
        raise click.UsageError(str(exc))
    try:
        run_server(config)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}")
