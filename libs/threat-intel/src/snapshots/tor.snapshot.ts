/**
 * Small bundled Tor snapshots, used only until the platform refreshes the lists
 * from check.torproject.org and Onionoo (hourly per FR2.5). They are STALE by
 * design: treat a hit as a hint, and a miss as meaning nothing.
 *
 * Relays: the nine directory authorities from tor's src/app/config/auth_dirs.inc
 * plus a sample of fallback directory relays from tor's
 * src/app/config/fallback_dirs.inc ("Generated on: Thu, 07 Apr 2022").
 * Exits: fallback relays of that same file that also appear on a mirror of
 * the bulk exit list (platformcosmo/Tor-IP-Addresses tor-exit-nodes.lst),
 * i.e. addresses known as both relay and exit around that date.
 */
export const TOR_RELAYS_SNAPSHOT = {
  name: 'tor-relays-snapshot',
  asOf: '2022-04-07',
  source: 'torproject/tor src/app/config/{auth_dirs,fallback_dirs}.inc',
  // ip:ORPort, one per line (the format IpSetList.parseLines reads)
  text: `
# directory authorities
128.31.0.39:9101 moria1
86.59.21.38:443 tor26
45.66.35.11:443 dizum
131.188.40.189:443 gabelmoo
193.23.244.244:443 dannenberg
171.25.193.9:80 maatuska
154.35.175.225:443 Faravahar
199.58.81.140:443 longclaw
204.13.164.118:443 bastet
# fallback directory relays
82.118.21.102:443 DTFNODE38
95.217.112.243:443 arbitraryTessa2
5.252.178.224:9001 pinnacle
185.239.222.248:443 BM09
51.91.73.194:9001
185.243.218.27:443 bauruine
185.220.101.28:8443 artikel10ber55
45.12.134.107:443 bauruine
109.70.100.17:8080 radicchio
129.13.131.140:443 AlleKochenKaffee
94.142.241.194:443 VrijHeid3
51.75.64.23:9001 franovgnet
97.107.139.28:9001 Yossarian
104.244.78.160:9100 Quetzalcoatl
173.212.219.49:6666 OhYee
46.232.249.138:9001 Gandhi
185.196.2.251:9001 Assange028usX
178.63.52.50:9001 nocabal
144.76.241.182:9001 itmustbe
199.249.230.179:443 Quintex90
199.249.230.161:443 Quintex72
199.249.230.148:443 Quintex59
185.100.86.128:9001 TorExitFinland
185.220.102.245:443 Digitalcourage4ipfa
104.244.77.73:9001 Hydra62
128.31.0.61:443 csailmitnoexit
185.220.103.6:443 CalyxInstitute18
193.239.232.101:9001 Ganymed
199.249.230.176:443 Quintex87
199.195.253.156:9000 Aramis
199.195.248.80:443 Quetzalcoatl
109.70.100.16:8080 kohl
109.70.100.11:8080 artischocke
185.220.101.25:9443 artikel10ber50
162.247.74.74:443 CalyxInstitute05
199.249.230.172:443 Quintex83
185.129.61.6:443 dotsrcExit6
185.220.102.251:993 Digitalcourage4ip4b
185.247.226.89:9001 Hydra78
199.249.230.159:443 Quintex70
192.160.102.170:9001 ogopogo
185.56.80.65:443 xor
185.220.101.2:8443 artikel10ber03
185.220.101.21:8443 artikel10ber41
[2a0b:f4c2::28]:8443 artikel10ber55
[2620:7:6001::179]:80 Quintex90
`,
};

export const TOR_EXITS_SNAPSHOT = {
  name: 'tor-exits-snapshot',
  asOf: '2022-04-07',
  source: 'tor fallback_dirs.inc (2022-04-07) ∩ bulk exit list mirror',
  text: `
185.220.101.28
109.70.100.17
104.244.78.160
173.212.219.49
185.196.2.251
199.249.230.179
199.249.230.161
199.249.230.148
185.100.86.128
185.220.102.245
104.244.77.73
185.220.103.6
193.239.232.101
199.249.230.176
199.195.253.156
199.195.248.80
109.70.100.16
109.70.100.11
185.220.101.25
162.247.74.74
199.249.230.172
185.129.61.6
185.220.102.251
185.247.226.89
199.249.230.159
192.160.102.170
185.56.80.65
185.220.101.2
185.220.101.21
`,
};

/**
 * Mining pools publish host names, not addresses, and their addresses churn
 * (and often sit behind CDNs shared with unrelated sites). The only public
 * address lists found (CoinBlocker MiningServerIPList, last modified 2018)
 * contain Cloudflare and Google addresses, so bundling them would raise false
 * positives. The bundled mining snapshot is therefore empty on purpose: the
 * platform fills it from a resolver-backed refresh, or the operator supplies
 * a list (IpSetList.parseLines).
 */
export const MINING_POOLS_SNAPSHOT = {
  name: 'mining-pools-snapshot',
  asOf: '2026-11-21',
  source: 'none bundled (see comment)',
  text: '',
};
