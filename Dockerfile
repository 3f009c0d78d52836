# ATO production image: gunicorn for web, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_STATIC_ROOT=/app/staticfiles
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore '.venv/*'
RUN useradd --system --home /app ato && mkdir -p /backups && chown -R ato /app /backups
USER ato
EXPOSE 8000
CMD ["gunicorn", "ato.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(L)s"]
