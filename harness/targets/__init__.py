"""Targets: the processes leakbench soaks (the embedded and WebSocket gateway, any command, an
attached PID)."""
