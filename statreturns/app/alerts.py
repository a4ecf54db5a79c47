"""Alerts the ops team receives: Prefect automations that post to a webhook (a Teams or
Slack incoming webhook, say) when a run of a return or of the sweep fails or crashes, a
return is blocked by its data, or a return is overdue. Runs of other flows on a shared
server do not alert. `statreturns ops install-automations` creates or replaces them."""

from __future__ import annotations

from prefect.automations import Automation, EventTrigger
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.events.actions import SendNotification

from flows import registry
from flows.deadline_sweep import OVERDUE_EVENT, deadline_sweep

BLOCK = "statreturns-alerts"
FLOW_RUN_BODY = ("{{ flow.name }} run {{ flow_run.name }} ended {{ flow_run.state.name }}: "
                 "{{ flow_run.state.message }}")
ALERTS = {
    "statreturns: run failed or crashed": (
        {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}, "prefect.flow-run.*",
        "A return's run failed", FLOW_RUN_BODY),
    "statreturns: return blocked by its data": (
        {"prefect.flow-run.Blocked"}, "prefect.flow-run.*",
        "A return is blocked by data-quality errors", FLOW_RUN_BODY),
    "statreturns: return overdue": (
        {OVERDUE_EVENT}, "statreturns.return.*", "A return is overdue",
        "{{ event.resource['statreturns.return'] }} {{ event.resource['statreturns.period'] }}"
        " for {{ event.resource['statreturns.authority'] }} is "
        "{{ event.resource['statreturns.days-overdue'] }} days past its deadline of "
        "{{ event.resource['statreturns.deadline'] }}."),
}


def our_flows() -> list[str]:
    """The names of the flows whose runs alert: every return's and the sweep's."""
    return sorted({registry.flow_of(rid).name for rid in registry.modules()}
                  | {deadline_sweep.name})


def install(webhook_url: str) -> list[str]:
    """Save the webhook block and (re)create every alert; the names of the alerts."""
    block = CustomWebhookNotificationBlock(  # the URL is kept as a secret in the block
        name="statreturns alerts", url="{{webhook_url}}",
        secrets={"webhook_url": webhook_url},
        json_data={"text": "{{subject}}\n{{body}}", "subject": "{{subject}}",
                   "body": "{{body}}"})
    block_id = block.save(BLOCK, overwrite=True)
    ours = {"prefect.resource.role": "flow", "prefect.resource.name": our_flows()}
    with get_client(sync_client=True) as client:
        for name, (events, resource, subject, body) in ALERTS.items():
            for old in client.read_automations_by_name(name):
                client.delete_automation(old.id)
            Automation(
                name=name, description=subject,
                trigger=EventTrigger(
                    expect=events, match={"prefect.resource.id": resource},
                    match_related=ours if resource.startswith("prefect.flow-run") else {},
                    posture="Reactive", threshold=1),
                actions=[SendNotification(block_document_id=block_id, subject=subject,
                                          body=body)],
            ).create()
    return list(ALERTS)
