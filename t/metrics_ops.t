#!/usr/bin/perl

# The operator's metrics (issue 19): onestop_build_info; writes counted
# by API key name and status (onestop_writes_total), refusals among them,
# whichever worker wrote; request latency histograms per handler
# (onestop_request_duration_seconds) whose _count moves by exactly the
# requests made, buckets cumulative up to +Inf = _count; promtool (when
# installed) accepts the text.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $A = '000.30.01.H36';

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$t->spew('keys', encode('UTF-8', join '',
    sha256_hex('admin-key') . " * quản trị\n",
    sha256_hex('a-key') . " $A Sở Tư pháp\n"));
$t->write_standard_conf(serve => [qw(lookup ingest evaluate metrics)],
    zone => '8m');
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %key = map { $_ => {Authorization => "Bearer $_-key"} } qw(admin a);

# name{labels} => value, labels sorted, values decoded from UTF-8
sub scrape () {
    my $r = $t->get('/metrics');
    my %m;
    for my $line (split /\n/, decode('UTF-8', $r->{content})) {
        next if $line =~ /^#/ || $line eq '';
        $line =~ /^(\w+)(?:\{(.*)\})? (\S+)$/ or die "odd line: $line\n";
        my ($name, $labels, $v) = ($1, $2 // '', $3);
        my %l = $labels =~ /(\w+)="((?:[^"\\]|\\.)*)"/g;
        $m{$name . '{' . join(',', map { "$_=$l{$_}" } sort keys %l) . '}'}
            = $v;
    }
    return (\%m, $r->{content});
}

sub val($m, $series) { $m->{$series} // 0 }

my ($m0, $text0) = scrape();
like($text0, qr/^onestop_build_info\{version="\d+\.\d+\.\d+",nginx="1\.\d+\.\d+",schema="\d+"\} 1$/m,
    'onestop_build_info: version, nginx, schema');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => $key{admin},
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'a catalog by the admin key');

my $n = 0;
sub rec($agency) {
    $n++;
    return $json->encode({
        code => sprintf('%s-240601-%04d', $A, $n), version => 1,
        agency => $agency, procedure => '1.000894', channel => 'direct',
        applicant => { name => 'Nguyễn Văn Mật' },
        received_at => '2024-06-01', due_at => '2024-06-20',
    });
}

my %done;
for (1 .. 5) {
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => $key{a},
        body => rec($A));
    $done{$r->{status}}++;
}
is($done{200}, 5, 'five writes by "Sở Tư pháp"');
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => $key{a},
    body => rec('000.00.12.H36'));
is($r->{status}, 403, 'one outside its scope: refused');
$r = $t->http('DELETE', "/api/v1/ingest/dossiers/$A-240601-0001",
    headers => $key{admin});
is($r->{status}, 200, 'a delete by "quản trị"');

# an evaluation from the desk's device (the key's) and its refusal: a
# created evaluation is a 201, counted as such, not as "other"
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => $key{a},
    body => $json->encode({
        code => "$A-240601-0100", version => 1, agency => $A,
        procedure => '1.000894', channel => 'direct',
        applicant => { name => 'Nguyễn Văn Mật' },
        received_at => '2024-06-01', due_at => '2024-06-20',
        resolved_at => '2024-06-10' }));
is($r->{status}, 200, 'a resolved dossier');
my $eval = $json->encode({ code => "$A-240601-0100", answers => { 2 => 2 } });
$r = $t->http('POST', '/api/v1/evaluations', body => $eval,
    headers => { %{$key{a}}, 'Content-Type' => 'application/json' });
is($r->{status}, 201, 'its evaluation by the desk: 201');
$r = $t->http('POST', '/api/v1/evaluations', body => $eval,
    headers => { %{$key{a}}, 'Content-Type' => 'application/json' });
is($r->{status}, 409, 'a second one: 409');

my ($m1, $text1) = scrape();
is(val($m1, 'onestop_writes_total{key=Sở Tư pháp,status=200}'), 6,
    'writes_total by key name: the six');
is(val($m1, 'onestop_writes_total{key=Sở Tư pháp,status=201}'), 1,
    'the evaluation created: status 201');
is(val($m1, 'onestop_writes_total{key=Sở Tư pháp,status=409}'), 1,
    'the second evaluation: status 409');
is(val($m1, 'onestop_writes_total{key=Sở Tư pháp,status=other}'), 0,
    'nothing of it under "other"');
is(val($m1, 'onestop_writes_total{key=Sở Tư pháp,status=403}'), 1,
    'and the refusal');
is(val($m1, 'onestop_writes_total{key=quản trị,status=200}'), 2,
    'the admin: catalog and delete');
unlike($text1, qr/Nguyễn|Mật|240601-0/, 'no name, no code');

# the histogram of lookup: exactly the requests made
my $before = val($m1, 'onestop_request_duration_seconds_count{handler=lookup}');
$t->get("/api/v1/dossiers/$A-240601-000$_") for 2 .. 6;
$t->get('/api/v1/dossiers/000.30.01.H36-240601-9999');
# a request is observed in nginx's log phase, after its answer was sent:
# the last one may reach the zone a moment after the client has it
my ($m2, $text2);
for (1 .. 50) {
    ($m2, $text2) = scrape();
    last if val($m2, 'onestop_request_duration_seconds_count{handler=lookup}')
        - $before >= 6;
    select(undef, undef, undef, 0.05);
}
is(val($m2, 'onestop_request_duration_seconds_count{handler=lookup}')
    - $before, 6, 'lookup: _count moved by the six lookups');
is(val($m2, 'onestop_request_duration_seconds_bucket{handler=lookup,le=+Inf}'),
    val($m2, 'onestop_request_duration_seconds_count{handler=lookup}'),
    '+Inf equals _count');
ok(val($m2, 'onestop_request_duration_seconds_sum{handler=lookup}') >= 0,
    '_sum there');
my @le = map { /le=([^,}]+)/ ? $1 : () }
    grep { /^onestop_request_duration_seconds_bucket\{handler=lookup,/ }
    keys %$m2;
is(scalar @le, 13, 'twelve bounds and +Inf');
my @cum = map { val($m2,
    "onestop_request_duration_seconds_bucket{handler=lookup,le=$_}") }
    sort { ($a eq '+Inf' ? 1e9 : $a) <=> ($b eq '+Inf' ? 1e9 : $b) } @le;
ok(!grep({ $cum[$_] < $cum[$_ - 1] } 1 .. $#cum), 'cumulative buckets');
ok(val($m2, 'onestop_request_duration_seconds_count{handler=ingest}') >= 8,
    'ingest has its own histogram');
ok(val($m2, 'onestop_request_duration_seconds_count{handler=metrics}') >= 2,
    'and metrics');

SKIP: {
    skip('promtool (Debian package prometheus) is not installed', 1)
        unless system('command -v promtool >/dev/null 2>&1') == 0;
    my $file = $t->spew('metrics.txt', $text2);
    my $out = `promtool check metrics < '$file' 2>&1`;
    is($?, 0, 'promtool check metrics passes') or diag($out);
}

$t->stop;
$t->check_log;

done_testing();
