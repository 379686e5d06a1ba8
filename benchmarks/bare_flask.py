"""The floor for HTTP figures: a Flask app that answers a constant, served with the same gunicorn settings."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/constant")
def constant():
    return jsonify(total_items=0, contents=[])
