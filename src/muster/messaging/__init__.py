"""Messages to people and integrations, their deliveries per channel, and replies."""
