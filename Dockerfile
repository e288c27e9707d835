FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Built in /src, not /app, so the installed package (with its migrations) is what runs.
WORKDIR /src
COPY . .
# Every package at the version and hash requirements.lock pins, then envadmin itself.
RUN pip install -r requirements.lock && pip install --no-deps .

RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home envadmin \
    && mkdir -p /app/var \
    && chown envadmin:envadmin /app/var

WORKDIR /app
ENV ENVADMIN_DATA_DIR=/app/var
USER envadmin

CMD ["envadmin", "worker"]
