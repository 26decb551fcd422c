"""``POST /v1/ingest/{table}``: load one CSV or Parquet file into the warehouse.

The file arrives as ``multipart/form-data`` (field ``file``). The key is
checked before the body is read; the body is size-limited while it streams in
(413, see :class:`touchpath.api.main.BodySizeLimit`). The upload is written to a
temporary folder of its own, gzip decompressed and Parquet decoded against the
same limit (413 past it, before the data lock is taken; see
:mod:`touchpath.api.upload`), and handed to :meth:`touchpath.data.warehouse.Warehouse.ingest`,
which validates every row and loads the file in one transaction or refuses it
whole (422 with the row-level report). The ingest holds the data lock
exclusively, so concurrent readers see the data before or after it, never
part of it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from touchpath.api.deps import AppState, StateDep, WriterKey
from touchpath.api.problems import InvalidParameter
from touchpath.api.schemas import (
    IngestAttribute,
    IngestGA4Summary,
    IngestOtherTraffic,
    IngestResponse,
    IngestTable,
    IngestTableLoad,
    problem_responses,
)
from touchpath.api.upload import detect, stage_upload, upload_dir_prefix

if TYPE_CHECKING:
    from touchpath.data.channel_rules import ChannelRules

__all__ = ["router"]

router = APIRouter(prefix="/v1/ingest", tags=["ingest"])

_CSV_EXAMPLE = (
    "event_id,user_id,ts,channel,campaign,interaction,cost\n"
    "e1,u1,2026-01-02T10:00:00Z,search,brand,click,1.20\n"
)

_BODY_SCHEMA: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A CSV (header row; optionally gzip-compressed) or "
                                       "Parquet file with the table's columns.",
                    },
                    "channel_rules": {
                        "type": "string",
                        "description": "Channel rules (TOML, [[rule]] tables) for a file "
                                       "without a channel column; default: the built-in "
                                       "rules.",
                    },
                },
            },
            "encoding": {"file": {"contentType": "text/csv, application/octet-stream"}},
            "example": {"file": _CSV_EXAMPLE},
        }
    },
}


def _safe_name(name: str | None) -> str:
    """The client's file name without any directory part (shown back, never used as a path)."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return base[:200] or "upload"


def _without_path(problem: Any, tmp: str, target: str, name: str) -> Any:
    """``problem`` with the server's temp file (or its directory) replaced by ``name``.

    The warehouse names the file it read in messages such as "cannot read:
    ... '/tmp/touchpath-upload-x/upload.csv'"; the client sees its own file
    name there instead.
    """

    def scrub(text: str | None) -> str | None:
        if text is None:
            return None
        return text.replace(target, name).replace(tmp, "(upload)")

    return problem._replace(reason=scrub(problem.reason), value=scrub(problem.value))


def _ingest_file(state: AppState, table: str, upload: UploadFile, name: str,
                 column_map: dict[str, str], conversion_events: tuple[str, ...],
                 rules: ChannelRules, file_format: str = "auto") -> IngestResponse:
    """Stage the upload in a temp folder (limits checked) and ingest it under the data lock."""
    from touchpath.data.warehouse import IngestError

    src = upload.file
    src.seek(0)
    head = src.read(8)
    src.seek(0)
    kind = detect(head, name)
    fmt = "parquet" if kind == "parquet" else "csv"
    with tempfile.TemporaryDirectory(prefix=upload_dir_prefix()) as tmp:
        # gzip is decompressed while staging: the warehouse reads a plain CSV
        # (a GA4 export: plain newline-delimited JSON).
        suffix = "json" if file_format == "ga4" and fmt == "csv" else fmt
        target = os.path.join(tmp, "upload." + suffix)
        try:
            stage_upload(src, target, kind, state.settings.max_upload_bytes, name)
        except IngestError as exc:
            problems = [_without_path(p, tmp, target, name) for p in exc.problems]
            raise IngestError(problems, exc.total, name) from None
        with state.lock.write():
            view, cursor = state.view()
            try:
                report = view.ingest(table, target,  # type: ignore[arg-type]
                                     column_map=column_map,
                                     conversion_events=conversion_events,
                                     channel_rules=rules,
                                     format=file_format)  # type: ignore[arg-type]
                version = int(view.data_version)
            except IngestError as exc:
                # Name the client's file, never the server's temp path.
                problems = [_without_path(p, tmp, target, name) for p in exc.problems]
                raise IngestError(problems, exc.total, name) from None
            finally:
                cursor.close()
                state.cache.invalidate()
                state.refresh()
    return IngestResponse(
        table=table,  # type: ignore[arg-type]
        source=name,
        format="ga4" if file_format == "ga4" else fmt,  # type: ignore[arg-type]
        rows_in_file=report.rows_in_file,
        rows_inserted=report.rows_inserted,
        rows_skipped_existing=report.rows_skipped_existing,
        tables=[IngestTableLoad(table=load.table,  # type: ignore[arg-type]
                                rows=load.rows, rows_inserted=load.rows_inserted,
                                rows_skipped_existing=load.rows_skipped_existing)
                for load in report.loads],
        derived_ids=report.derived_ids,
        column_map=dict(report.column_map),
        channel_rules=report.channel_rules,
        other_channel=[IngestOtherTraffic(source=o.source, medium=o.medium, rows=o.rows)
                       for o in report.other_channel],
        ga4=None if report.ga4 is None else IngestGA4Summary(**asdict(report.ga4)),
        new_channels=list(report.new_channels),
        ignored_columns=list(report.ignored_columns),
        data_version=version,
        attributes=[IngestAttribute(**asdict(a)) for a in report.attributes],
    )


#: The largest channel rules text a request may send (bytes).
_MAX_RULES_BYTES = 1 << 20


async def _channel_rules(field: UploadFile | str | None) -> ChannelRules:
    """The channel rules of the optional multipart field ``channel_rules`` (TOML text).

    Absent: the built-in rules. A rules text that does not parse is a
    :class:`~touchpath.data.channel_rules.ChannelRulesError` (422, its message).
    """
    # Deferred like the warehouse's: the app starts without the numerical stack.
    from touchpath.data.channel_rules import ChannelRules

    if field is None:
        return ChannelRules.default()
    data = await field.read(_MAX_RULES_BYTES + 1) if isinstance(field, UploadFile) else field
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if len(raw) > _MAX_RULES_BYTES:
        raise InvalidParameter(f"channel_rules is larger than {_MAX_RULES_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("channel_rules is not UTF-8 text") from None
    return ChannelRules.parse(text, "channel_rules")


@router.post(
    "/{table}",
    response_model=IngestResponse,
    summary="Load a CSV or Parquet file into a warehouse table",
    openapi_extra={"requestBody": _BODY_SCHEMA},
    responses=problem_responses(400, 401, 403, 413, 422, 500, 503),
)
async def ingest(
    request: Request,
    table: Annotated[IngestTable, Path(description="Target table, or events (touches and "
                                                   "conversions in one file).",
                                       examples=["touchpoints"])],
    _key: WriterKey,
    state: StateDep,
    column_map: Annotated[list[str], Query(
        alias="map", description="OURS=THEIRS: read our column OURS from the file's column "
                                 "THEIRS (repeatable), e.g. map=user_id=customer_id.")] = [],  # noqa: B006
    conversion_events: Annotated[str | None, Query(
        description="events: event names that are conversions, comma-separated, any case "
                    "(default purchase,conversion,order).")] = None,
    file_format: Annotated[Literal["auto", "ga4"], Query(
        alias="format", description="auto: CSV or Parquet; ga4: a GA4 BigQuery export "
                                    "(newline-delimited JSON, gzip or not, or Parquet), "
                                    "for the events table only.")] = "auto",
) -> IngestResponse:
    """Validate and load one file, all or nothing (needs a ``write`` key).

    Columns as in the warehouse tables (``touchpoints``: user_id, ts, channel,
    and optionally event_id, campaign, interaction, cost; ``conversions``:
    user_id, ts, value, optionally conversion_id, kind; ``spend``: channel,
    day, amount; ``channels``: channel, status, optionally group_name,
    launched_on), or ``events``: user_id, ts, event, channel, optionally value,
    campaign, cost, event_id, source, medium, referrer, interaction; rows whose
    event is a conversion event go to conversions, the others to touchpoints.
    ``map`` names the file's columns for ours (an unknown column of ours is
    422). A file without ids gets ids derived from each row's content. A
    touchpoints or events file without channel gets channels derived from
    source, medium, campaign and referrer by the channel rules of the optional
    field ``channel_rules`` (TOML), else the built-in rules; the response counts
    the touches left ``(other)`` by source and medium. A file
    with any bad row is refused whole: 422 with ``problems`` (row, column,
    reason, value) for the first 20 and ``total``. Re-sending a loaded file is
    a no-op (``rows_inserted`` 0). The upload limit counts bytes received and
    the bytes a gzip or Parquet file decompresses to: over it, 413 and nothing
    is read.
    """
    from touchpath.data.warehouse import (
        DEFAULT_CONVERSION_EVENTS,
        parse_column_map,
        parse_conversion_events,
    )

    try:
        mapping = parse_column_map(column_map, table)
        events = (DEFAULT_CONVERSION_EVENTS if conversion_events is None
                  else parse_conversion_events(conversion_events))
    except ValueError as exc:  # a ColumnMapError or a bad conversion event name
        raise InvalidParameter(str(exc)) from None
    if file_format == "ga4" and (table != "events" or mapping):
        raise InvalidParameter("format=ga4 reads a GA4 export into the events table, with no "
                               "map")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise HTTPException(status_code=422,
                            detail="send the file as multipart/form-data in the field 'file'")
    form = await request.form(max_files=2, max_fields=4)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(status_code=422,
                                detail="multipart field 'file' with the CSV or Parquet file "
                                       "is required")
        rules = await _channel_rules(form.get("channel_rules"))
        name = _safe_name(upload.filename)
        return await run_in_threadpool(_ingest_file, state, table, upload, name, mapping,
                                       events, rules, file_format)
    finally:
        await form.close()
