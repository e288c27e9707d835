"""The web pages' infrastructure: rendering, sessions in the store, CSRF and security headers, form limits, ops
credentials; the pages themselves are in `pages/`. `producers.http_app` serves them beside the HTTP API."""
