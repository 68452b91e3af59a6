"""Celery tasks, the beat schedule and the workflows that chain a service call to the work it sets off."""
