#!/usr/bin/perl

# The monitoring kit (issue 19): conf/prometheus/onestop.rules.yml passes
# promtool check rules and its unit tests (onestop.rules.test.yml and
# onestop.rules.days.test.yml), in which each alert is seen firing;
# conf/grafana/onestop.json is a dashboard whose every query is valid
# PromQL (checked by promtool as recording rules);
# and every metric, handler, status and label value the rules and the
# dashboard name is one that a real /metrics exports (nginx with a zone,
# Redis configured, a write and lookups) or that onestop-backup writes
# for node_exporter.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $ROOT = $Onestop::Test::ROOT;

my $promtool = `command -v promtool 2>/dev/null`;
chomp $promtool;
if (!$promtool && $> == 0 && -x '/usr/bin/dpkg') {
    system("sh $ROOT/.ci/deps.sh prometheus >&2");
    $promtool = -x '/usr/bin/promtool' ? '/usr/bin/promtool' : '';
}
plan skip_all => 'promtool is missing (Debian package prometheus; as root '
    . '".ci/deps.sh prometheus" installs it)' unless $promtool;

local $SIG{ALRM} = sub { BAIL_OUT('monitoring.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $rules = "$ROOT/conf/prometheus/onestop.rules.yml";
my $dash_file = "$ROOT/conf/grafana/onestop.json";

# --- promtool ---

my $out = `$promtool check rules $rules 2>&1`;
is($? >> 8, 0, 'promtool check rules') or diag($out);
like($out, qr/SUCCESS: \d+ rules found/, 'the rules are found');

$out = `cd $ROOT/conf/prometheus && $promtool test rules onestop.rules.test.yml onestop.rules.days.test.yml 2>&1`;
is($? >> 8, 0, 'promtool test rules (minutes, and hours and days)')
    or diag($out);

my $rules_text = Onestop::Test::slurp($rules);
my @alerts = $rules_text =~ /^\s+- alert: (\w+)$/mg;
my $tests_text = join '', map {
    Onestop::Test::slurp("$ROOT/conf/prometheus/onestop.rules.$_.yml")
} qw(test days.test);
for my $a (@alerts) {
    like($tests_text, qr/alertname: \Q$a\E\n\s+exp_alerts:\n\s+- exp_labels/,
        "$a is tested firing");
}

# --- the dashboard ---

my $dash = eval { $json->decode(Onestop::Test::slurp($dash_file)) };
ok($dash, 'the dashboard is JSON') or diag($@);
is($dash->{uid}, 'onestop', 'its uid');
my @panels = grep { $_->{type} ne 'row' } @{ $dash->{panels} // [] };
ok(@panels >= 10, 'it has panels');
my %ids;
$ids{$_->{id}}++ for @{ $dash->{panels} };
is(scalar(grep { $_ > 1 } values %ids), 0, 'panel ids are unique');
my @exprs;
for my $p (@panels) {
    my @t = map { $_->{expr} } @{ $p->{targets} // [] };
    ok(@t && !grep({ !length } @t), "panel \"$p->{title}\" has queries");
    push @exprs, @t;
}

# each query as a recording rule, so that promtool parses it
my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $rec = "groups:\n  - name: dashboard\n    rules:\n";
my $n = 0;
for my $e (@exprs) {
    (my $q = $e) =~ s/\$instance/.*/g;
    $q =~ s/'/''/g;
    $rec .= "      - record: dashboard_query_" . $n++ . "\n        expr: '$q'\n";
}
$t->spew('dashboard.rules.yml', $rec);
$out = `$promtool check rules $dir/dashboard.rules.yml 2>&1`;
is($? >> 8, 0, 'every query of the dashboard is valid PromQL') or diag($out);

# --- what /metrics exports ---

$t->spew('catalog.json', Onestop::Test::catalog_json());
$t->cli('catalog', "$dir/catalog.json");
$t->cli('import', '-', \($json->encode({code => 'MON-1', version => 1,
    agency => '000.00.12.H36', procedure => '1.001234', channel => 'online',
    applicant => {name => 'Lý Thị Mai'}, received_at => '2024-06-01',
    due_at => '2024-06-05'}) . "\n"));
$t->spew('keys', sha256_hex('monitoring-key') . " *\n");
my $redis = Onestop::Test::free_port();
$t->write_standard_conf(serve => [qw(lookup ingest metrics)], zone => '8m',
    redis => "127.0.0.1:$redis");
ok($t->start, 'nginx with a zone and Redis configured')
    or BAIL_OUT('no nginx');
$t->get('/api/v1/dossiers/MON-1');
$t->get('/api/v1/dossiers/MON-404');
$t->http('POST', '/api/v1/ingest/dossiers',
    headers => {Authorization => 'Bearer monitoring-key'},
    body => $json->encode({code => 'MON-2', version => 1,
        agency => '000.00.15.H36', procedure => '1.009999',
        channel => 'direct', applicant => {name => 'Lý Văn Tư'},
        received_at => '2024-06-14', due_at => '2024-06-20'}));
$t->get('/metrics');
my $r = $t->get('/metrics');
is($r->{status}, 200, '/metrics');
my $metrics = $r->{content};
$t->stop;

# and what onestop-backup writes for node_exporter, a good run and a bad one
mkdir "$dir/textfile";
{
    local %ENV = (%ENV, ONESTOP => $Onestop::Test::CLI,
        ONESTOP_STORE => $t->store, ONESTOP_BACKUP_DIR => "$dir/backups",
        ONESTOP_ETC => "$dir/none", ONESTOP_TEXTFILE_DIR => "$dir/textfile");
    system("sh $ROOT/conf/onestop-backup >/dev/null 2>&1");
    is($? >> 8, 0, 'a backup for the textfile metrics');
    $ENV{ONESTOP_STORE} = "$dir/no-store";
    system("sh $ROOT/conf/onestop-backup >/dev/null 2>&1");
}
$metrics .= Onestop::Test::slurp("$dir/textfile/$_")
    for qw(onestop_backup_success.prom onestop_backup_failure.prom);

my %exported = map { $_ => 1 } $metrics =~ /^([a-z_]+)(?:\{| )/mg;
my %pairs = map { $_ => 1 } $metrics =~ /([a-z_]+="[^"]*")/g;

# the rules' expressions: one line, or a folded block below "expr: >-"
my @rule_exprs;
my @lines = split /\n/, $rules_text;
for my $i (0 .. $#lines) {
    next unless $lines[$i] =~ /^(\s+)expr: (.*)$/;
    my ($indent, $e) = (length $1, $2);
    if ($e eq '>-') {
        $e = '';
        for my $l (@lines[$i + 1 .. $#lines]) {
            last unless $l =~ /^(\s*)\S/ && length($1) > $indent;
            $e .= " $l" unless $l =~ /^\s*#/;
        }
    }
    push @rule_exprs, $e;
}
is(scalar(@rule_exprs), scalar(@alerts), 'an expression for each alert');

my %used = map { $_ => 1 } join("\n", @rule_exprs, @exprs)
    =~ /\b(onestop_[a-z_]+)\b/g;
ok(keys %used >= 15, scalar(keys %used) . ' metrics named by the rules and '
    . 'the dashboard');
for my $m (sort keys %used) {
    ok($exported{$m}, "$m is exported");
}

# label values the rules and the dashboard select on
for my $pair ('handler="ingest"', 'handler="lookup"', 'status="200"',
    'status="404"', 'agency="province"', 'state="overdue"',
    'timeliness="early"', 'timeliness="on_time"', 'result="hit"',
    'channel="online"')
{
    ok($pairs{$pair}, "/metrics has $pair");
}

# the statuses the rules count are statuses the module counts
my $zone = Onestop::Test::slurp("$ROOT/ngx_onestop/ngx_http_onestop_zone.c");
my ($statuses) = $zone =~ /ngx_http_onestop_statuses\[[^\]]*\] = \{([^}]*)\}/;
my %counted = map { $_ => 1 } ($statuses // '') =~ /(\d{3})/g;
for my $s (507, 500, 503) {
    ok($counted{$s}, "status $s is counted by /metrics");
}

$t->check_log;

alarm 0;

done_testing;
