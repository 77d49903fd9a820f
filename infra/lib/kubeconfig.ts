/**
 * The kubeconfig every Kubernetes provider of this project uses: an EKS cluster reached with a token from
 * `aws eks get-token`, so no credential is stored in state. The tier's cluster and a preview's base cluster share it.
 */

export interface EksConnection {
  /** Cluster name. */
  name: string;
  /** API server URL. */
  endpoint: string;
  /** Base64 certificate authority data. */
  certificateAuthority: string;
  region: string;
}

export function eksKubeconfig({ name, endpoint, certificateAuthority, region }: EksConnection): string {
  for (const [field, value] of Object.entries({ name, endpoint, certificateAuthority, region })) {
    if (typeof value !== "string" || value === "")
      throw new Error(`eksKubeconfig: ${field} is required, got ${JSON.stringify(value)}`);
  }
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: endpoint, "certificate-authority-data": certificateAuthority } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}
