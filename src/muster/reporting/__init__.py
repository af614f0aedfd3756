"""Reports: response-time intervals against targets, and real calls to feed them."""
