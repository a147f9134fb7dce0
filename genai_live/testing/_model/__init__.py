"""The emulator's deterministic fake model: voice, voice activity, image sizes and replies."""
