/** The report a benchmark run writes (bench/results/<date>-<profile>.json). */
import type { AbuseResult, AbuseScenario } from '../scenarios/abuse.js';
import type { ConnectionsResult } from '../scenarios/connections.js';
import type { FanoutScenario, RatePoint } from '../scenarios/fanout.js';
import type { ResumeResult } from '../scenarios/resume.js';
import type { SystemName } from '../loadgen/protocols.js';

export interface Report {
  profile: string;
  command: string;
  started: string;
  finished: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    /** 1/5/15-minute load averages when the run started and ended. */
    loadStart: number[];
    loadEnd: number[];
    openFilesLimit: number;
  };
  versions: Record<string, string>;
  notes: string[];
  fanout: Array<{ scenario: FanoutScenario; system: SystemName; load: number[]; points: RatePoint[]; error?: string }>;
  connections: Array<{ system: SystemName; load: number[]; result?: ConnectionsResult; error?: string }>;
  resume: Array<{ system: SystemName; result?: ResumeResult; error?: string }>;
  /** Missing in reports written before the abuse scenario existed (the Markdown allows for it). */
  abuse: Array<{ system: 'jetgate'; scenario: AbuseScenario; result?: AbuseResult; error?: string }>;
}
