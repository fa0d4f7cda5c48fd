// Zone data shared by the server tests.

/** EXAMPLE_ZONE is a small zone using every record type, plus a large RRset for truncation. */
export const EXAMPLE_ZONE = `
records:
  - { name: example.com., type: SOA, ttl: 3600, value: ["ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300"] }
  - { name: example.com., type: NS, value: [ns1.example.com., ns2.example.com.] }
  - { name: example.com., type: A, value: [192.0.2.1, 192.0.2.2] }
  - { name: example.com., type: AAAA, value: ["2001:db8::1"] }
  - { name: example.com., type: MX, value: ["10 mail.example.com.", "20 mail2.example.com."] }
  - { name: example.com., type: TXT, value: ["v=spf1 mx -all"] }
  - { name: example.com., type: CAA, value: ['0 issue "letsencrypt.org"'] }
  - { name: ns1.example.com., type: A, value: [192.0.2.53] }
  - { name: ns2.example.com., type: A, value: [198.51.100.53] }
  - { name: mail.example.com., type: A, value: [192.0.2.25] }
  - { name: www.example.com., type: CNAME, value: [example.com.] }
  - { name: _sip._tcp.example.com., type: SRV, value: ["10 5 5060 sip.example.com."] }
  - { name: a.b.example.com., type: TXT, value: ["deep"] }
  - { name: 2.0.192.in-addr.arpa., type: SOA, value: ["ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"] }
  - { name: 1.2.0.192.in-addr.arpa., type: PTR, value: [example.com.] }
  - { name: big.example.com., type: TXT, value: [${Array.from({ length: 40 }, (_, i) => `"record ${i} ${'x'.repeat(40)}"`).join(', ')}] }
  - { name: host.local., type: A, value: [10.0.0.1] }
`;
