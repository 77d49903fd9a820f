import { monitoringSuite } from "./monitoring.checks";

monitoringSuite("v1", {
  "storyforge:alarmEmails": ["ops@storyforge.example", "oncall@storyforge.example"],
  "storyforge:alarmHttpsEndpoints": ["https://events.pager.example/integration/abc123/enqueue"],
});
