/**
 * On-demand SageMaker hosting prices RightSizeEndpoint costs its candidates with, when the input gives none (its
 * `prices` overrides any of them). Plain values, no zod: a step's bundle imports them.
 *
 * Every figure is either SOURCED (a row names its sources in HOSTING_PRICE_SOURCES below) or an ESTIMATE (no
 * source: written from memory of https://aws.amazon.com/sagemaker/pricing/, never confirmed). The report says which,
 * candidate by candidate. Checked on HOSTING_PRICES_DATE with the project's search of stored public pages,
 * documentation and GitHub files (no internet here):
 * - AWS's pricing page fills its tables in by script, so no stored copy of it holds a figure, and no copy of the AWS
 *   Price List (bulk offer files) was found in a public repository.
 * - What AWS itself published: the SageMaker Developer Guide's Inference Recommender examples (CostPerHour of a
 *   recommendation: an instance-hour price times InitialInstanceCount), an aws-samples toolkit that holds prices as
 *   constants, and a test of awslabs/llmeter that asserts the price the AWS Price List API returns. The first two
 *   state no region (their figures match what third parties give for us-east-1); the last states us-east-1. They are
 *   from 2021 to 2024 (each source's `date`), so a figure may have changed since.
 * - Sourced rows, with the sources that agree: ml.c5.xlarge 0.204 (three AWS documents: awsDgInstanceRecommendation,
 *   awsDgNeoCompilation, awsSamplesServerlessBenchmark); ml.c5.large 0.102 and ml.t2.medium 0.056
 *   (awsSamplesServerlessBenchmark); ml.c5.2xlarge 0.408 and ml.c5.9xlarge 1.836 (awsDgNeoCompilation); ml.m5.large
 *   0.115 and ml.c5d.large 0.115 (awsDgInstanceRecommendation); ml.c5d.xlarge 0.23 (awsDgLoadTest: 0.69 for three
 *   instances); ml.g4dn.xlarge 0.736 (awsDgExistingEndpoint; this table had 0.7364, which third-party tables give,
 *   and was changed to AWS's figure); ml.g5.4xlarge 2.03 in us-east-1 (awsLlmeterPriceListTest, a test of AWS's own
 *   LLMeter asserting what the Price List API returns); serverless 0.00002 per GB-second (awsSamplesServerlessBenchmark:
 *   $0.0000200 a second at 1024 MB, rising linearly to $0.0001200 at 6144 MB).
 * - Every other row is an estimate. Third parties were read but are not cited, for one of two reasons: they give no
 *   provenance (tables of figures, which agree with this table for most rows), or the project's search did not name
 *   the repository holding them. Two such files report AWS Price List API readings for us-east-1 that agree with two
 *   estimates here: ml.m5.xlarge 0.23 (read 2026-06-27, SKU JDZQJFUVUR8SUWHS, and again 2026-09-28) and ml.m5.2xlarge
 *   0.461 (read 2026-09-28); a third reads USE1-ServerlessInf:Mem-3GB at $0.00006 a second (0.00002 per GB-second).
 *   Against them, zircon.tech ("The real cost of running AI models on AWS SageMaker", October 2025) gives ml.m5.xlarge
 *   at 0.269 for us-east-1, and several code tables without provenance give 0.269, ml.m5.large 0.134, ml.c5.large
 *   0.119 and ml.c5.xlarge 0.238 (against AWS's 0.115, 0.102 and 0.204 above); no figure was changed on their word.
 * - A source that states no region is taken for both regions; a source that states a region backs its figure there
 *   only (the other region keeps the same figure as an estimate). No source states a us-west-2 figure.
 * Real-time: USD per instance-hour; types the table lacks get no cost figure unless the input prices them (the report
 * lists them). Serverless: compute is billed per second of processing by memory size, so per GB-second; its
 * data-processing charge ($0.016 per GB in and out in awsSamplesServerlessBenchmark) is not modelled, so the
 * per-request price is 0 (an input may set its own). For a decision that matters, pass current prices (`prices`).
 */

/** The day the table was last checked against public sources (see above). */
export const HOSTING_PRICES_DATE = '2026-12-06';

/** The page the figures are meant to match. */
export const HOSTING_PRICES_URL = 'https://aws.amazon.com/sagemaker/pricing/';

/** A public source of figures in the table. */
export interface HostingPriceSource {
  /** Who published it. */
  readonly publisher: 'AWS' | 'third party';
  /** What it is, in a few words. */
  readonly title: string;
  /** Where to read it: a page, or a repository's file at the commit that was read. */
  readonly url: string;
  /** The date the source states for its figures (a job's, or the commit that added them). */
  readonly date: string;
  /** The region the source states for its figures; null when it states none. */
  readonly region: string | null;
}

const DEVELOPER_GUIDE =
  'https://github.com/awsdocs/amazon-sagemaker-developer-guide/blob/a869fa5c9bd1074a85bd23748d0463e322ad8939/doc_source';

/** The sources the rows cite, by id. */
export const HOSTING_PRICE_SOURCES = {
  awsDgInstanceRecommendation: {
    publisher: 'AWS',
    title:
      'SageMaker Developer Guide, "Get an instance recommendation": an example DescribeInferenceRecommendationsJob response (CostPerHour)',
    url: `${DEVELOPER_GUIDE}/inference-recommender-instance-recommendation.md`,
    date: '2021-10-26',
    region: null,
  },
  awsDgLoadTest: {
    publisher: 'AWS',
    title:
      'SageMaker Developer Guide, "Run a custom load test": an example DescribeInferenceRecommendationsJob response (CostPerHour of 3 instances)',
    url: `${DEVELOPER_GUIDE}/inference-recommender-load-test.md`,
    date: '2021-10-26',
    region: null,
  },
  awsDgNeoCompilation: {
    publisher: 'AWS',
    title:
      'SageMaker Developer Guide, "Compiled recommendations with Neo": an example table of recommendations (CostPerHour)',
    url: `${DEVELOPER_GUIDE}/inference-recommender-neo-compilation.md`,
    date: '2022-09-16',
    region: null,
  },
  awsDgExistingEndpoint: {
    publisher: 'AWS',
    title:
      'SageMaker Developer Guide, "Get recommendations for an existing endpoint": an example job result (CostPerHour)',
    url: `${DEVELOPER_GUIDE}/inference-recommender-existing-endpoint.md`,
    date: '2022-10-04',
    region: null,
  },
  awsSamplesServerlessBenchmark: {
    publisher: 'AWS',
    title: 'aws-samples/sagemaker-serverless-inference-benchmarking, price constants (cost_constants.py)',
    url: 'https://github.com/aws-samples/sagemaker-serverless-inference-benchmarking/blob/cb0028576fe60e4704526a46368cbd53851eebc7/src/sm_serverless_benchmarking/cost_constants.py',
    date: '2022-08-05',
    region: null,
  },
  awsLlmeterPriceListTest: {
    publisher: 'AWS',
    title:
      'awslabs/llmeter, an integration test of the price its SageMaker cost model reads from the AWS Price List API',
    url: 'https://github.com/awslabs/llmeter/blob/1c0a6e1aae36502c6a9076887e9bf0fde567f892/tests/integ/callbacks/cost/providers/test_sagemaker_integ.py',
    date: '2024-12-10',
    region: 'us-east-1',
  },
} as const satisfies Readonly<Record<string, HostingPriceSource>>;

/** The id of a source in HOSTING_PRICE_SOURCES. */
export type HostingPriceSourceId = keyof typeof HOSTING_PRICE_SOURCES;

/** One figure: its value, and the sources that give it (none: an estimate). */
export interface HostingPrice {
  readonly usd: number;
  readonly sources: readonly HostingPriceSourceId[];
}

const estimate = (usd: number): HostingPrice => ({ usd, sources: [] });
const sourced = (usd: number, ...sources: HostingPriceSourceId[]): HostingPrice => ({ usd, sources });

/** USD per instance-hour of real-time hosting, by instance type, as the sources give them (regions: see above). */
const INSTANCE_HOUR: Readonly<Record<string, HostingPrice>> = {
  'ml.t2.medium': sourced(0.056, 'awsSamplesServerlessBenchmark'),
  'ml.t2.large': estimate(0.111),
  'ml.t2.xlarge': estimate(0.223),
  'ml.t2.2xlarge': estimate(0.445),
  'ml.m4.xlarge': estimate(0.28),
  'ml.m4.2xlarge': estimate(0.56),
  'ml.m4.4xlarge': estimate(1.12),
  'ml.m4.10xlarge': estimate(2.8),
  'ml.m4.16xlarge': estimate(4.48),
  'ml.m5.large': sourced(0.115, 'awsDgInstanceRecommendation'),
  'ml.m5.xlarge': estimate(0.23),
  'ml.m5.2xlarge': estimate(0.461),
  'ml.m5.4xlarge': estimate(0.922),
  'ml.m5.12xlarge': estimate(2.765),
  'ml.m5.24xlarge': estimate(5.53),
  'ml.c4.large': estimate(0.14),
  'ml.c4.xlarge': estimate(0.279),
  'ml.c4.2xlarge': estimate(0.557),
  'ml.c4.4xlarge': estimate(1.114),
  'ml.c4.8xlarge': estimate(2.227),
  'ml.c5.large': sourced(0.102, 'awsSamplesServerlessBenchmark'),
  'ml.c5.xlarge': sourced(0.204, 'awsDgInstanceRecommendation', 'awsDgNeoCompilation', 'awsSamplesServerlessBenchmark'),
  'ml.c5.2xlarge': sourced(0.408, 'awsDgNeoCompilation'),
  'ml.c5.4xlarge': estimate(0.816),
  'ml.c5.9xlarge': sourced(1.836, 'awsDgNeoCompilation'),
  'ml.c5.18xlarge': estimate(3.672),
  'ml.c5d.large': sourced(0.115, 'awsDgInstanceRecommendation'),
  'ml.c5d.xlarge': sourced(0.23, 'awsDgLoadTest'),
  'ml.r5.large': estimate(0.151),
  'ml.r5.xlarge': estimate(0.302),
  'ml.r5.2xlarge': estimate(0.605),
  'ml.r5.4xlarge': estimate(1.21),
  'ml.g4dn.xlarge': sourced(0.736, 'awsDgExistingEndpoint'),
  'ml.g4dn.2xlarge': estimate(1.0528),
  'ml.g4dn.4xlarge': estimate(1.6856),
  'ml.g4dn.8xlarge': estimate(3.0464),
  'ml.g4dn.12xlarge': estimate(5.4768),
  'ml.g4dn.16xlarge': estimate(6.0928),
  'ml.g5.4xlarge': sourced(2.03, 'awsLlmeterPriceListTest'),
  'ml.p3.2xlarge': estimate(3.825),
  'ml.p3.8xlarge': estimate(14.688),
  'ml.p3.16xlarge': estimate(28.152),
};

/** USD per GB-second of serverless compute (memory size × seconds of processing). */
const SERVERLESS_GB_SECOND = sourced(0.00002, 'awsSamplesServerlessBenchmark');

/** The prices of one region. */
export interface RegionHostingPrices {
  readonly instanceHour: Readonly<Record<string, HostingPrice>>;
  readonly serverlessGbSecond: HostingPrice;
  /** USD per serverless request: 0, the data-processing charge not being modelled (see above). */
  readonly serverlessRequest: number;
}

/** A figure in `region`: only the sources that state that region, or none, back it there. */
function inRegion(price: HostingPrice, region: string): HostingPrice {
  return {
    usd: price.usd,
    sources: price.sources.filter((id) => {
      const stated: string | null = HOSTING_PRICE_SOURCES[id].region;
      return stated === null || stated === region;
    }),
  };
}

function regionPrices(region: string): RegionHostingPrices {
  return {
    instanceHour: Object.fromEntries(
      Object.entries(INSTANCE_HOUR).map(([type, price]) => [type, inRegion(price, region)]),
    ),
    serverlessGbSecond: inRegion(SERVERLESS_GB_SECOND, region),
    serverlessRequest: 0,
  };
}

/** The regions the table has prices for. */
export const HOSTING_PRICES: Readonly<Record<string, RegionHostingPrices>> = {
  'us-east-1': regionPrices('us-east-1'),
  'us-west-2': regionPrices('us-west-2'),
};

/** The regions the table covers, for messages. */
export const PRICED_REGIONS = Object.keys(HOSTING_PRICES);
