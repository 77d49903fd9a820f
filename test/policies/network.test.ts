import * as network from "../../policies/rules/network";
import { cacheParameterGroup, rdsPrimary, replicationGroup, sshFromOffice, T, tags } from "./fixtures";
import { offlineIdOf, policyResources } from "../../policies/evaluate";
import { describeResourceRule, mutate, stackViolations, violations } from "./support";

describe("no-open-admin-ingress across the three ingress spellings", () => {
  describeResourceRule(network.noOpenAdminIngress, T.ingressRule, sshFromOffice, [
    ["SSH is open to 0.0.0.0/0", (p) => (p.cidrIpv4 = "0.0.0.0/0"), /admits 0\.0\.0\.0\/0 on port 22 \(SSH\)/],
    [
      "SSH is open to ::/0",
      (p) => {
        delete p.cidrIpv4;
        p.cidrIpv6 = "::/0";
      },
      /admits ::\/0 on port 22/,
    ],
  ]);
  describeResourceRule(
    network.noOpenAdminIngress,
    T.ingressRule,
    { ...sshFromOffice, cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443 },
    [
      [
        "the open rule covers 3389 instead of 443",
        (p) => {
          p.fromPort = 3389;
          p.toPort = 3389;
        },
        /port 3389 \(RDP\)/,
      ],
      ["the open rule allows every protocol", (p) => (p.ipProtocol = "-1"), /on all ports/],
    ],
  );
  describeResourceRule(
    network.noOpenAdminIngress,
    T.sgRule,
    {
      type: "ingress",
      securityGroupId: "sg-id",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
    },
    [
      [
        "a legacy rule opens the full port range",
        (p) => {
          p.fromPort = 0;
          p.toPort = 65535;
        },
        /on all ports/,
      ],
    ],
  );
  it("no-open-admin-ingress ignores egress in the legacy spelling", () => {
    const egress = {
      type: "egress",
      securityGroupId: "sg-id",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/0"],
    };
    expect(violations(network.noOpenAdminIngress, T.sgRule, egress)).toEqual([]);
  });
  describeResourceRule(
    network.noOpenAdminIngress,
    T.securityGroup,
    { vpcId: "vpc-id", ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }], tags },
    [
      [
        "an inline block opens 22",
        (p) => {
          p.ingress[0].fromPort = 22;
          p.ingress[0].toPort = 22;
        },
        /port 22/,
      ],
    ],
  );
});

describe("data-tier-ingress-from-security-groups (M)", () => {
  const plan = [
    { type: T.securityGroup, name: "workloads-sg", inputs: { vpcId: "vpc-id", tags } },
    { type: T.securityGroup, name: "database-sg", inputs: { vpcId: "vpc-id", tags } },
    { type: T.rds, name: "db", inputs: { ...rdsPrimary, vpcSecurityGroupIds: ["database-sg-id"] } },
    {
      type: T.ingressRule,
      name: "database-from-workloads",
      inputs: {
        securityGroupId: "database-sg-id",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: "workloads-sg-id",
      },
    },
    { type: T.securityGroup, name: "cache-sg", inputs: { vpcId: "vpc-id", tags } },
    { type: T.cacheParameterGroup, name: "redis-params", inputs: cacheParameterGroup },
    { type: T.replicationGroup, name: "redis", inputs: { ...replicationGroup, securityGroupIds: ["cache-sg-id"] } },
  ];
  it("finds the groups attached to RDS and ElastiCache", () => {
    expect(network.dataTierGroups(policyResources("v1", plan, offlineIdOf)).map((g) => g.name)).toEqual([
      "database-sg",
      "cache-sg",
    ]);
  });
  it("passes ingress from a security-group reference", () => {
    expect(stackViolations(network.dataTierIngressFromGroups, plan)).toEqual([]);
  });
  it("fails a CIDR source into the database group, naming the rule", () => {
    const cidr = plan.map((r) =>
      r.name === "database-from-workloads"
        ? {
            ...r,
            inputs: mutate(r.inputs, (p: any) => {
              delete p.referencedSecurityGroupId;
              p.cidrIpv4 = "10.0.0.0/16";
            }),
          }
        : r,
    );
    expect(stackViolations(network.dataTierIngressFromGroups, cidr)).toEqual([
      {
        resource: "database-from-workloads",
        message: expect.stringMatching(/admits 10\.0\.0\.0\/16 into data-tier group "database-sg"/),
      },
    ]);
  });
  it("fails inline CIDR ingress on a data-tier group", () => {
    const inline = plan.map((r) =>
      r.name === "cache-sg"
        ? {
            ...r,
            inputs: {
              ...r.inputs,
              ingress: [{ protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["10.0.0.0/8"] }],
            },
          }
        : r,
    );
    expect(stackViolations(network.dataTierIngressFromGroups, inline)).toEqual([
      { resource: "cache-sg", message: expect.stringMatching(/inline ingress admits 10\.0\.0\.0\/8/) },
    ]);
  });
});

describe("vpc-flow-logs (T: mandatory from v1)", () => {
  const plan = [
    { type: T.vpc, name: "vpc", inputs: { cidrBlock: "10.0.0.0/16", tags } },
    { type: T.flowLog, name: "flow-log", inputs: { vpcId: "vpc-id", trafficType: "ALL", tags } },
  ];
  it("passes a VPC with a flow log", () => {
    expect(stackViolations(network.vpcFlowLogs, plan)).toEqual([]);
  });
  it("fails a VPC whose flow log watches another VPC", () => {
    const other = [plan[0], { ...plan[1], inputs: { ...plan[1].inputs, vpcId: "other-vpc-id" } }];
    expect(stackViolations(network.vpcFlowLogs, other)).toEqual([
      { resource: "vpc", message: 'ec2.Vpc "vpc": has no flow log' },
    ]);
  });
  it("fails a VPC whose flow log records only rejected traffic", () => {
    const rejectOnly = [plan[0], { ...plan[1], inputs: { ...plan[1].inputs, trafficType: "REJECT" } }];
    expect(stackViolations(network.vpcFlowLogs, rejectOnly)).toEqual([
      { resource: "vpc", message: 'ec2.Vpc "vpc": flow logs record only REJECT traffic, not ALL' },
    ]);
  });
  it("is mandatory at v1 and v2, advisory at mvp", () => {
    expect(network.vpcFlowLogs.level).toBe("T");
  });
});
