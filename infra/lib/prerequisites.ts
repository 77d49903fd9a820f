/**
 * Account-wide prerequisites: what every stack of an AWS account shares and so no stack may own (two stacks would
 * both create it, and destroying one would delete it under the other). `npm run bootstrap` (tools/bootstrap/) creates
 * them once; the program only looks them up. Pure data, no Pulumi SDK.
 */

/**
 * The account-wide service-linked role a VPC domain needs. One per account, so no stack may own it (two stacks would
 * both create it, and destroying one would delete it under the other): `npm run bootstrap` creates it once.
 */
export const OPENSEARCH_SERVICE_ROLE = {
  name: "AWSServiceRoleForAmazonOpenSearchService",
  pathPrefix: "/aws-service-role/opensearchservice.amazonaws.com/",
  service: "opensearchservice.amazonaws.com",
} as const;

/** The error a deploy stops with when the account lacks the service-linked role. */
export function missingServiceRoleMessage(): string {
  return (
    `the AWS account has no ${OPENSEARCH_SERVICE_ROLE.name}, which OpenSearch VPC domains need: ` +
    "create it once per account with `npm run bootstrap` (aws iam create-service-linked-role " +
    `--aws-service-name ${OPENSEARCH_SERVICE_ROLE.service}), then deploy again`
  );
}
