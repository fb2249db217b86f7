# Credit Portal image: one image for the one-shot migrate, web (gunicorn), Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home /app app

COPY pyproject.toml README.md ./
COPY credit_portal ./credit_portal
COPY enterprises ./enterprises
COPY risk ./risk
COPY inspections ./inspections
COPY remediation ./remediation
COPY annual_reports ./annual_reports
RUN pip install .

COPY . .
# collectstatic needs settings but no services: give it throwaway values.
RUN DJANGO_SETTINGS_MODULE=credit_portal.settings.production \
    DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media && chown -R app:app /app/media

USER app
EXPOSE 8000
CMD ["gunicorn", "credit_portal.wsgi:application", "--bind", "0.0.0.0:8000"]
