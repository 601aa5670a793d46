"""The hello-world baseline: a bare Flask app served under the gateway's gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> dict:
    return {"xin_chao": "thế giới"}
