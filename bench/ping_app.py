"""The trivial baseline: a Flask app whose /ping returns a tiny JSON, served under the same gunicorn settings as the
app in the same run, so every figure can be given as a ratio to what the framework itself does on this machine."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify(ok=True)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
