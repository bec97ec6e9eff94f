#!/usr/bin/perl

# Public data read from another origin with a conditional request (issue
# 15: "a browser application may read the ETag to revalidate"): a page of
# one origin fetches statistics, the catalog, apologies and the evaluation
# summary from another with If-None-Match, and the change log with
# Last-Event-ID.  Such a request is not a "simple" one, so the browser
# first sends a CORS preflight (OPTIONS); it was answered 405, and the
# browser refused every such fetch ("Failed to fetch").  The preflight of
# public data is now 204 with the methods and headers allowed; the
# lookup, the writes and the rest still refuse OPTIONS with 405.
#
# The browser is Debian's Chromium, the pages served by a second server of
# the same nginx on another port (another origin).

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Test::More;

use Onestop::Browser;
use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('cors_preflight.t did not finish') };
alarm 180;

my $t = Onestop::Test->new(today => '2024-06-15');
my $app_port = Onestop::Test::free_port();
my $api = 'http://127.0.0.1:' . $t->port;
$t->spew('keys', sha256_hex('cp-admin') . " * admin\n");
$t->write_standard_conf(
    serve => [qw(lookup stats apologies catalog evaluate ingest widget
        dashboard metrics)],
    server => "location /api/v1/changes { onestop_changes; }\n",
    http => "server {\n    listen 127.0.0.1:$app_port;\n"
        . "    location = /app.html { root " . $t->dir . "; }\n}\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');
is($t->http('POST', '/api/v1/ingest/catalog',
    headers => { Authorization => 'Bearer cp-admin' },
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');

# --- the preflight itself, as a browser sends it ---

my %pre = (Origin => "http://127.0.0.1:$app_port",
    'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => 'if-none-match');
for my $path ('/api/v1/stats?period=year', '/api/v1/catalog',
    '/api/v1/apologies', '/api/v1/evaluations/summary', '/api/v1/changes',
    '/widget/province.svg', '/')
{
    my $r = $t->http('OPTIONS', $path, headers => \%pre);
    is($r->{status}, 204, "OPTIONS $path: 204");
    is($r->{headers}{'access-control-allow-origin'}, '*', '... any origin');
    like($r->{headers}{'access-control-allow-methods'} // '', qr/^GET, HEAD$/,
        '... GET and HEAD');
    like($r->{headers}{'access-control-allow-headers'} // '',
        qr/\bIf-None-Match\b/i, '... If-None-Match allowed');
    like($r->{headers}{allow} // '', qr/OPTIONS/, '... Allow names OPTIONS');
    is($r->{content} // '', '', '... no body');
}

# what is not public data is refused as before: the lookup 405, the writes
# 401 without a key
for my $path ('/api/v1/dossiers/HS-1', '/api/v1/ingest/dossiers',
    '/metrics')
{
    my $r = $t->http('OPTIONS', $path, headers => \%pre);
    is($r->{status}, $path =~ /ingest/ ? 401 : 405,
        "OPTIONS $path: refused as before");
    ok(!defined $r->{headers}{'access-control-allow-methods'},
        '... no CORS grant');
}

# /metrics is for the monitoring host: no CORS header on its answers
for my $m ('GET', 'PUT') {
    my $r = $t->http($m, '/metrics', headers => { Origin => $pre{Origin} });
    is($r->{status}, $m eq 'GET' ? 200 : 405, "$m /metrics");
    ok(!defined $r->{headers}{'access-control-allow-origin'},
        "... without Access-Control-Allow-Origin");
}

# --- a real browser, from the other origin ---

SKIP: {
    skip 'no chromium', 5 unless Onestop::Browser::available();

    $t->spew('app.html', <<"HTML");
<!DOCTYPE html><html><head><meta charset="utf-8"><title>app</title></head>
<body><ul id="out"></ul><script>
const API = '$api';
async function one(path, headers) {
  try {
    const a = await fetch(API + path);
    const etag = a.headers.get('ETag');
    const h = Object.assign({}, headers);
    if (h['If-None-Match'] === 'ETAG') h['If-None-Match'] = etag;
    const b = await fetch(API + path, { headers: h });
    return a.status + ' ' + b.status + ' ' + (etag ? 'etag' : 'no-etag');
  } catch (e) {
    return 'failed: ' + e.message;
  }
}
(async () => {
  const cases = [
    ['/api/v1/stats?period=year', { 'If-None-Match': 'ETAG' }],
    ['/api/v1/catalog', { 'If-None-Match': 'ETAG' }],
    ['/api/v1/apologies', { 'If-None-Match': 'ETAG' }],
    ['/api/v1/changes?limit=1', { 'Last-Event-ID': '0' }],
  ];
  for (const [p, h] of cases) {
    const li = document.createElement('li');
    li.dataset.k = p;
    li.textContent = await one(p, h);
    document.getElementById('out').appendChild(li);
  }
  document.body.dataset.done = '1';
})();
</script></body></html>
HTML

    my $dom = Onestop::Browser::dump_dom("http://127.0.0.1:$app_port/app.html")
        // '';
    my %saw = $dom =~ /<li data-k="([^"]+)">([^<]*)<\/li>/g;
    ok($dom =~ /data-done="1"/, 'the page ran')
        or diag($Onestop::Browser::LAST_ERROR);
    for my $p ('/api/v1/stats?period=year', '/api/v1/catalog',
        '/api/v1/apologies')
    {
        is($saw{$p}, '200 304 etag',
            "$p from another origin, then again with If-None-Match: 304");
    }
    like($saw{'/api/v1/changes?limit=1'} // '', qr/^\d{3} \d{3}/,
        'the change log with Last-Event-ID: answered, not refused')
        or diag($saw{'/api/v1/changes?limit=1'});
}

$t->check_log;
done_testing();
