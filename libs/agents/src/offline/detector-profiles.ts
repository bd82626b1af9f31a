/**
 * What the offline classifier knows about each detector: the ATT&CK techniques
 * its findings map to (with why), a human label, and the response playbook.
 * Data, not code, so adding a detector is one entry here.
 */
export interface ActionContext {
  /** display-safe actor (see displayEntity) or null */
  readonly actor: string | null;
  /** display-safe targets, at most a few */
  readonly targets: string[];
  /** destination ports that answered (ACCEPT evidence), ascending, at most a few */
  readonly acceptedPorts: number[];
}

export interface DetectorProfile {
  /** canonical detector name plus the aliases other detector sets use */
  readonly names: readonly string[];
  /** used in titles: "Port scan from A against B" */
  readonly label: string;
  readonly techniques: ReadonlyArray<{ readonly id: string; readonly why: string }>;
  /** findings whose evidence was entirely REJECTed by security groups failed: lower severity */
  readonly blockedLowersSeverity: boolean;
  readonly actions: (ctx: ActionContext) => string[];
}

const who = (ctx: ActionContext) => ctx.actor ?? 'the source';
const what = (ctx: ActionContext) => (ctx.targets.length ? ctx.targets.join(', ') : 'the targets');

export const DETECTOR_PROFILES: readonly DetectorProfile[] = [
  {
    names: ['port-scan', 'portscan', 'vertical-scan', 'scan'],
    label: 'Port scan',
    techniques: [{ id: 'T1046', why: 'a source probing many ports or hosts is enumerating network services' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Confirm whether ${who(ctx)} is an authorised scanner; if not, block it in the network ACL or security group`,
      ctx.acceptedPorts.length
        ? `Review why ${what(ctx)} accepted connections on ports ${ctx.acceptedPorts.join(', ')}; close what is not needed`
        : `Verify the security groups of ${what(ctx)} still reject the probed ports`,
      `Look for follow-up connections from ${who(ctx)} to the ports that answered (exploitation after discovery)`,
    ],
  },
  {
    names: ['port-sweep', 'horizontal-scan', 'sweep'],
    label: 'Port sweep',
    techniques: [{ id: 'T1046', why: 'one source probing the same port across many hosts is looking for a service to exploit' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Confirm whether ${who(ctx)} is an authorised scanner; if not, block it in the network ACL or security group`,
      `List which of the swept hosts answered (ACCEPT) and check them for exposure of that port`,
    ],
  },
  {
    names: ['ddos', 'syn-flood', 'udp-flood', 'flood', 'dos'],
    label: 'Denial-of-service flood',
    techniques: [{ id: 'T1498', why: 'a packet rate far above baseline towards one destination denies service' }],
    blockedLowersSeverity: false,
    actions: (ctx) => [
      `Check the availability and error rates of ${what(ctx)}`,
      `Enable or scale AWS Shield / WAF rate-based rules in front of ${what(ctx)}`,
      `Block or rate-limit the top sources (${who(ctx)}) at the edge if the flood continues`,
    ],
  },
  {
    names: ['beaconing', 'c2-beaconing', 'beacon', 'c2'],
    label: 'Command-and-control beaconing',
    techniques: [{ id: 'T1071', why: 'connections at regular intervals to one external endpoint are typical of C2 check-ins' }],
    blockedLowersSeverity: false,
    actions: (ctx) => [
      `Isolate ${who(ctx)} (restrictive security group) and snapshot its volumes before remediation`,
      `Block egress to ${what(ctx)} and search for other hosts talking to it`,
      `Identify the process making the periodic connections on ${who(ctx)}`,
    ],
  },
  {
    names: ['strobe'],
    label: 'Strobe (very frequent connections)',
    techniques: [{ id: 'T1071', why: 'a very high, steady connection count to one endpoint is typical of C2 polling or a misbehaving agent' }],
    blockedLowersSeverity: false,
    actions: (ctx) => [
      `Identify the process on ${who(ctx)} that connects to ${what(ctx)} so often`,
      `If it is not a known agent, block egress to ${what(ctx)} and isolate ${who(ctx)}`,
    ],
  },
  {
    names: ['long-connection'],
    label: 'Long-lived connection',
    techniques: [{ id: 'T1071', why: 'a connection held open for hours to an external endpoint can be an interactive C2 or tunnel' }],
    blockedLowersSeverity: false,
    actions: (ctx) => [
      `Check what ${who(ctx)} keeps open to ${what(ctx)} and whether it is expected (VPN, replication, streaming)`,
      'If unexplained, terminate the session and block the endpoint',
    ],
  },
  {
    names: ['unusual-port', 'non-standard-port'],
    label: 'Traffic on an unusual port',
    techniques: [{ id: 'T1571', why: 'a service protocol on a port it does not normally use is a common way to slip past egress rules' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Find the process on ${who(ctx)} using this port towards ${what(ctx)}`,
      'Tighten egress security-group rules to the ports workloads need',
    ],
  },
  {
    names: ['malicious-ip', 'threat-intel'],
    label: 'Traffic with a known-malicious address',
    techniques: [{ id: 'T1071', why: 'an address on a threat list is most often C2 or malware infrastructure' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Block ${what(ctx)} at the network ACL and check ${who(ctx)} for compromise`,
      'Search the flow history for every other host that talked to the listed address',
    ],
  },
  {
    names: ['telemetry-gap'],
    label: 'Flow-log telemetry gap',
    techniques: [{ id: 'T1562.008', why: 'flow logs that stop or skip data can mean logging was disabled to hide activity' }],
    blockedLowersSeverity: false,
    actions: (ctx) => [
      `Check the flow-log configuration and delivery status of ${what(ctx)}`,
      'Review CloudTrail for DeleteFlowLogs or changes to the log destination',
    ],
  },
  {
    names: ['crypto-mining', 'mining', 'cryptomining', 'mining-pool'],
    label: 'Cryptocurrency mining',
    techniques: [{ id: 'T1496', why: 'connections to mining pools or stratum ports mean compute is being hijacked' }],
    blockedLowersSeverity: false,
    actions: (ctx) => [
      `Isolate ${who(ctx)} and inspect it for a miner process`,
      `Block egress to ${what(ctx)} and to stratum ports (3333, 4444, 9999) that are not needed`,
      'Review how the workload was compromised (exposed credentials, vulnerable service)',
    ],
  },
  {
    names: ['tor', 'tor-usage', 'tor-exit', 'tor-relay'],
    label: 'Tor network use',
    techniques: [{ id: 'T1090.003', why: 'traffic to or from Tor relays hides the other end behind a multi-hop proxy' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Determine whether Tor use by ${who(ctx)} is sanctioned; if not, isolate the host`,
      'Block known Tor exit and relay addresses at the network ACL where policy allows',
    ],
  },
  {
    names: ['brute-force', 'bruteforce', 'ssh-brute-force', 'rdp-brute-force'],
    label: 'Brute force',
    techniques: [{ id: 'T1110', why: 'many short connections to an authentication port look like password guessing' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Block ${who(ctx)} and check authentication logs on ${what(ctx)} for successful logins`,
      'Restrict SSH/RDP to a bastion or SSM Session Manager',
    ],
  },
  {
    names: ['exfiltration', 'data-exfiltration', 'large-upload'],
    label: 'Possible data exfiltration',
    techniques: [{ id: 'T1048', why: 'unusually large outbound transfers to an uncommon destination may be exfiltration' }],
    blockedLowersSeverity: true,
    actions: (ctx) => [
      `Identify what data ${who(ctx)} sent to ${what(ctx)}`,
      `Block egress from ${who(ctx)} to ${what(ctx)} until explained`,
    ],
  },
];

const BY_NAME = new Map<string, DetectorProfile>();
for (const p of DETECTOR_PROFILES) for (const n of p.names) BY_NAME.set(n, p);

export function detectorProfile(detector: string): DetectorProfile | undefined {
  return BY_NAME.get(detector);
}

/** Human label for a detector name: the profile's label, else the name in words. */
export function detectorLabel(detector: string): string {
  const p = detectorProfile(detector);
  if (p) return p.label;
  const words = detector.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
