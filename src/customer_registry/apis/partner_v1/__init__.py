"""The partner API (`/v1`): the SMARTSolar customer API, Flask-Restless conventions included."""
