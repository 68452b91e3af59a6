"""The public reserve API (read-only, anonymous): views per resource, serializers, HTTP behaviour, docs page."""
