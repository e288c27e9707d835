"""Onboarding from the console: an administrator uploads a CSV or JSONL file, which becomes the same streaming job
as `envadmin onboard FILE --by <them>`, every row acting as them in this account; the job's page follows it.

The file is read in a background thread of this web process, so the upload answers at once. Should the process
stop half-way, uploading the same file again takes the job up after its last whole batch (same file, same person,
same account: same job).
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from itertools import islice
from pathlib import Path
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from producers.api.body_limits import LargerBody
from producers.onboarding.job import FileProblem, JobBusy, Onboarding, uploaded_for
from producers.onboarding.reader import FORMATS
from producers.web.console import administrator
from producers.web.forms import check_pace
from producers.web.guards import CSRF_FIELD, check_csrf
from producers.web.render import page
from producers.web.uploads import UploadRefused, check_announced_size, larger_body, megabytes, receive_upload
from store import jobs
from store.reads import job_reports

router = APIRouter()
logger = logging.getLogger(__name__)

UPLOAD_PATH = r"/accounts/[^/]+/onboard"
FILE_FIELD = "file"
REFRESH_SECONDS = 2
ERRORS_SHOWN = 500  # rows of the error table; `envadmin job errors` lists them all


def upload_body_limit(settings) -> LargerBody:
    return larger_body(UPLOAD_PATH, settings.web_upload_max_bytes, settings.web_upload_read_timeout_seconds)


def _upload_page(request: Request, account: str, email: str, status: int = 200, error: str = "") -> Response:
    response = page(request, "onboard.html", status, title=f"Onboard a file · account {account}", account=account,
                    me=email, error=error, cap=megabytes(request.app.state.settings.web_upload_max_bytes),
                    extensions=", ".join(FORMATS))
    if status == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


@router.get("/accounts/{account}/onboard")
async def upload_form(request: Request, account: str) -> Response:
    email = await administrator(request, account)
    return _upload_page(request, account, email)


@router.post("/accounts/{account}/onboard")
async def upload(request: Request, account: str, background: BackgroundTasks) -> Response:
    email = await administrator(request, account)  # before a byte of the body is read
    check_pace(request)
    settings = request.app.state.settings
    folder = _upload_folder(settings.data_dir)
    handed_over = False
    try:
        check_announced_size(request, settings.web_upload_max_bytes)
        received = await receive_upload(request, FILE_FIELD, folder, settings.web_upload_max_bytes)
        check_csrf(request, received.fields.get(CSRF_FIELD))
        if received.path is None:
            return _upload_page(request, account, email, 422, "Choose a file to upload.")
        if Path(received.file_name).suffix.lower() not in FORMATS:
            return _upload_page(request, account, email, 422, f"{received.file_name} is neither a CSV nor a JSONL "
                                f"file: its name must end with {', '.join(FORMATS)}.")
        try:
            job = await run_in_threadpool(Onboarding, request.app.state.client, received.path, actor=email,
                                          console_account=account)
        except FileProblem as problem:
            return _upload_page(request, account, email, 422, str(problem))
        if not job.already_submitted:
            await run_in_threadpool(job.open)  # the job page answers from the first redirect on, never 404
            background.add_task(_run, job, folder)
            handed_over = True
        return RedirectResponse(f"/accounts/{account}/jobs/{job.job_id}", status_code=303)
    except UploadRefused as refused:
        return _upload_page(request, account, email, refused.status, refused.reason)
    finally:
        if not handed_over:
            shutil.rmtree(folder, ignore_errors=True)


def _upload_folder(data_dir: Path) -> Path:
    """A folder of its own for each upload, on the data disk (the system's temporary folder may be in memory)."""
    uploads = data_dir / "uploads"
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="upload-", dir=uploads))


def _run(job: Onboarding, folder: Path) -> None:
    """After the answer: journal and publish every row; a failure is recorded on the job, which its page shows."""
    try:
        job.run()
    except JobBusy:
        logger.info("job %s is already being submitted by another upload of the same file", job.job_id)
    except Exception:
        logger.exception("onboarding job %s stopped", job.job_id)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.get("/accounts/{account}/jobs/{job_id}")
async def job_page(request: Request, account: str, job_id: str) -> Response:
    """The job's progress, refreshing itself while it runs; then the rows that went wrong."""
    email = await administrator(request, account)
    engine = request.app.state.client.engine
    try:
        parsed = UUID(job_id)
    except ValueError:
        raise HTTPException(404) from None
    record = await run_in_threadpool(jobs.find, engine, parsed)
    if record is None or not uploaded_for(record, account):
        raise HTTPException(404)
    report = await run_in_threadpool(job_reports.report, engine, parsed, request.app.state.client.clock.now())
    running = report["state"] == job_reports.RUNNING
    errors = [] if running else await run_in_threadpool(_first_errors, engine, parsed)
    return page(request, "job.html", title=f"Job · {report['file']}", account=account, me=email, job=report,
                errors=errors, more_errors=len(errors) > ERRORS_SHOWN, errors_shown=ERRORS_SHOWN,
                refresh=REFRESH_SECONDS if running else None)


def _first_errors(engine, job_id: UUID) -> list[dict]:
    return list(islice(job_reports.errors(engine, job_id), ERRORS_SHOWN + 1))
