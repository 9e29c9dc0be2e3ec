"""Dependencies: what handlers get from the app's state (created in the lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.asking import Asker
from service.engine import Engine, EngineHolder
from service.history.store import HistoryStore
from service.job_runner import JobRunner
from service.jobs import JobStore
from service.settings import Settings


def get_holder(request: Request) -> EngineHolder:
    return request.app.state.holder


def get_engine(holder: Annotated[EngineHolder, Depends(get_holder)]) -> Engine:
    return holder.current()  # raises IndexNotReady (503) with what to do


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_asker(request: Request) -> Asker:
    return request.app.state.asker


def get_jobs(request: Request) -> JobStore:
    return request.app.state.jobs


def get_job_runner(request: Request) -> JobRunner:
    return request.app.state.job_runner
def get_history(request: Request) -> HistoryStore:
    return request.app.state.history


HolderDep = Annotated[EngineHolder, Depends(get_holder)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AskerDep = Annotated[Asker, Depends(get_asker)]
JobsDep = Annotated[JobStore, Depends(get_jobs)]
JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]
HistoryDep = Annotated[HistoryStore, Depends(get_history)]
