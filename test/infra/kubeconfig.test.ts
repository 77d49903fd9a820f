import { eksKubeconfig } from "../../infra/lib/kubeconfig";

describe("EKS kubeconfig", () => {
  const connection = {
    name: "storyforge-v1-cluster",
    endpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com",
    certificateAuthority: "LS0tLS1CRUdJTg==",
    region: "us-east-1",
  };

  it("authenticates with a short-lived token from aws eks get-token, storing no credential", () => {
    const config = JSON.parse(eksKubeconfig(connection));
    const user = config.users[0].user;
    expect(user.token).toBeUndefined();
    expect(user.exec.command).toBe("aws");
    expect(user.exec.args).toEqual([
      "eks",
      "get-token",
      "--cluster-name",
      "storyforge-v1-cluster",
      "--region",
      "us-east-1",
      "--output",
      "json",
    ]);
    expect(config.clusters[0].cluster).toEqual({
      server: connection.endpoint,
      "certificate-authority-data": connection.certificateAuthority,
    });
    expect(config["current-context"]).toBe("storyforge-v1-cluster");
  });

  it("refuses a connection with a missing field, naming it", () => {
    expect(() => eksKubeconfig({ ...connection, certificateAuthority: "" })).toThrow(
      'eksKubeconfig: certificateAuthority is required, got ""',
    );
  });
});
