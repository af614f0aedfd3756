"""The web application: app factory, middleware, error handlers, health routes."""
