/**
 * On-demand SageMaker hosting prices RightSizeEndpoint costs its candidates with, when the input gives none (its
 * `prices` overrides any of them). Plain values, no zod: a step's bundle imports them.
 *
 * These figures are UNVERIFIED ESTIMATES, written from memory of https://aws.amazon.com/sagemaker/pricing/
 * ("On-Demand Pricing", "Real-Time Inference" and "Serverless Inference" tabs), USD, not read off it:
 * - Checked on HOSTING_PRICES_DATE with the project's search of stored public web pages and documentation: AWS's
 *   pricing page (its English and German copies) fills its price tables in by script, so no stored copy holds a
 *   figure, and no AWS-published page or document found states any of these prices. None is verified.
 * - Third-party pages are not authoritative and changed no figure here, but they show the risk: zircon.tech ("The
 *   real cost of running AI models on AWS SageMaker", us-east-1, October 2025) gives ml.m5.xlarge at $0.269 an hour
 *   where this table has $0.23.
 * - For a decision that matters, pass current prices in the input (`prices`); the report says the table is
 *   unverified (PriceSource.tableVerified).
 * Real-time: USD per instance-hour, the same figures used for us-east-1 (N. Virginia) and us-west-2 (Oregon); types
 * the table lacks get no cost figure unless the input prices them (the report lists them). Serverless: compute is
 * billed per second of processing by memory size, taken as $0.0000200 per second per 1,024 MB (so per GB-second);
 * its data-processing charge (per GB in and out) is not modelled, so the per-request price is 0 (an input may set
 * its own).
 */

/** The day the table was last checked against public sources (see above: nothing could be verified). */
export const HOSTING_PRICES_DATE = '2026-12-06';

/** Whether the figures were read off AWS's page (true) or are unverified estimates (false): see above. */
export const HOSTING_PRICES_VERIFIED = false;

/** The page the figures are meant to match. */
export const HOSTING_PRICES_URL = 'https://aws.amazon.com/sagemaker/pricing/';

/** USD per instance-hour of real-time hosting, by instance type. */
const INSTANCE_HOUR_USD: Readonly<Record<string, number>> = {
  'ml.t2.medium': 0.056,
  'ml.t2.large': 0.111,
  'ml.t2.xlarge': 0.223,
  'ml.t2.2xlarge': 0.445,
  'ml.m4.xlarge': 0.28,
  'ml.m4.2xlarge': 0.56,
  'ml.m4.4xlarge': 1.12,
  'ml.m4.10xlarge': 2.8,
  'ml.m4.16xlarge': 4.48,
  'ml.m5.large': 0.115,
  'ml.m5.xlarge': 0.23,
  'ml.m5.2xlarge': 0.461,
  'ml.m5.4xlarge': 0.922,
  'ml.m5.12xlarge': 2.765,
  'ml.m5.24xlarge': 5.53,
  'ml.c4.large': 0.14,
  'ml.c4.xlarge': 0.279,
  'ml.c4.2xlarge': 0.557,
  'ml.c4.4xlarge': 1.114,
  'ml.c4.8xlarge': 2.227,
  'ml.c5.large': 0.102,
  'ml.c5.xlarge': 0.204,
  'ml.c5.2xlarge': 0.408,
  'ml.c5.4xlarge': 0.816,
  'ml.c5.9xlarge': 1.836,
  'ml.c5.18xlarge': 3.672,
  'ml.r5.large': 0.151,
  'ml.r5.xlarge': 0.302,
  'ml.r5.2xlarge': 0.605,
  'ml.r5.4xlarge': 1.21,
  'ml.g4dn.xlarge': 0.7364,
  'ml.g4dn.2xlarge': 1.0528,
  'ml.g4dn.4xlarge': 1.6856,
  'ml.g4dn.8xlarge': 3.0464,
  'ml.g4dn.12xlarge': 5.4768,
  'ml.g4dn.16xlarge': 6.0928,
  'ml.p3.2xlarge': 3.825,
  'ml.p3.8xlarge': 14.688,
  'ml.p3.16xlarge': 28.152,
};

/** The prices of one region. */
interface RegionHostingPrices {
  readonly instanceHour: Readonly<Record<string, number>>;
  readonly serverlessGbSecond: number;
  readonly serverlessRequest: number;
}

const SAME_AS_US_EAST_1: RegionHostingPrices = {
  instanceHour: INSTANCE_HOUR_USD,
  serverlessGbSecond: 0.00002,
  serverlessRequest: 0,
};

/** The regions the table has prices for. */
export const HOSTING_PRICES: Readonly<Record<string, RegionHostingPrices>> = {
  'us-east-1': SAME_AS_US_EAST_1,
  'us-west-2': SAME_AS_US_EAST_1,
};

/** The regions the table covers, for messages. */
export const PRICED_REGIONS = Object.keys(HOSTING_PRICES);
