"""prefect.yaml: one deployment per declared return, pointing at its flow."""

from pathlib import Path

import yaml

from statreturns import registry

ROOT = Path(__file__).resolve().parents[1]


def deployments() -> dict[str, dict]:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    return {d["name"]: d for d in config["deployments"]}


def test_every_declared_return_has_one_deployment_and_no_other_is_declared():
    assert sorted(deployments()) == sorted(registry.declarations())


def test_each_deployment_runs_its_returns_flow_one_at_a_time():
    for rid, deployment in deployments().items():
        path, _, name = deployment["entrypoint"].partition(":")
        module = registry.get(rid)
        assert Path(module.__file__) == ROOT / path, rid
        assert getattr(module, name) is registry.flow_of(rid), rid
        assert getattr(module, name).name == rid
        assert deployment["work_pool"]["name"] == "statreturns"
        assert deployment["concurrency_limit"]["limit"] == 1
        assert f"return:{rid}" in deployment["tags"]
