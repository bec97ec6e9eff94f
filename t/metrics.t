#!/usr/bin/perl

# Prometheus metrics (SPEC section 7): /metrics is the text exposition
# format (promtool check metrics passes when promtool is installed); the
# figures gauges for the province, per top-level agency (the default) and
# per agency (onestop_metrics_agencies all), per channel, equal the stats
# API and a count by hand; corrections lower them; no dossier code or
# applicant name anywhere; the request and record counters grow by exactly
# what was done, whichever worker did it.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $have_promtool = system('command -v promtool >/dev/null 2>&1') == 0;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$t->spew('keys', sha256_hex('mx-admin-key') . " * admin\n");

sub conf ($agencies) {
    $t->write_standard_conf(serve => [qw(ingest stats lookup metrics)],
        zone => '8m', http => $agencies);
}
conf('');

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer mx-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my %top = (
    '000.00.12.H36' => '000.00.12.H36',
    '000.00.15.H36' => '000.00.15.H36',
    '000.00.30.H36' => '000.00.30.H36',
    '000.30.01.H36' => '000.00.30.H36',
    '000.30.02.H36' => '000.00.30.H36',
    '000.00.31.H36' => '000.00.31.H36',
    '000.31.01.H36' => '000.00.31.H36',
);
my @AG = sort keys %top;
my @CH = qw(direct online postal);

# --- dossiers of every kind, counted as they are made ---

my (@recs, %count, @names);
my @KIND = qw(early on_time late withdrawn not_due overdue returned_late);
for my $i (0 .. 83) {
    my $ag = $AG[$i % @AG];
    $ag = '000.00.15.H36' if $i % 17 == 0;      # uneven spread
    my $ch = $CH[int($i / 7) % 3];
    my $kind = $KIND[($i * 5) % @KIND];
    my $name = "Phan Thị Mẫn$i";
    push @names, $name;
    my %m = (code => sprintf('MX-%03d', $i), version => 1, agency => $ag,
        procedure => '1.000894', channel => $ch,
        applicant => {name => $name}, contact => {phone => '0911222333'},
        received_at => '2024-05-02T08:00:00+07:00',
        due_at => '2024-06-10T17:00:00+07:00');
    $m{resolved_at} = '2024-06-03' if $kind eq 'early';
    $m{resolved_at} = '2024-06-10T20:00:00+07:00' if $kind eq 'on_time';
    $m{resolved_at} = '2024-06-12' if $kind eq 'late';
    @m{qw(resolved_at returned_at)} = ('2024-06-11', '2024-06-13')
        if $kind eq 'returned_late';
    $m{withdrawn_at} = '2024-05-20' if $kind eq 'withdrawn';
    $m{due_at} = '2024-06-15' if $kind eq 'not_due';   # due today: not due
    push @recs, \%m;
    (my $k = $kind) =~ s/^returned_//;
    for my $who ('province', $top{$ag}) {
        $count{$who}{$ch}{received}++;
        $count{$who}{$ch}{$k}++;
    }
}

$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# --- helpers ---

# the exposition, parsed: {name => {'k="v",...' => value}}, and problems
sub scrape () {
    my $r = $t->get('/metrics');
    my (%m, @bad);
    for my $line (split /\n/, $r->{content}) {
        next if $line =~ /^#/ || $line eq '';
        if ($line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?
                \s+(\S+)(?:\s+-?\d+)?$/x)
        {
            my ($name, $labels, $v) = ($1, $2 // '', $3);
            my %l;
            while ($labels =~ /\G\s*([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"\s*,?/gc)
            {
                $l{$1} = $2;
            }
            push @bad, "labels: $line" if (pos($labels) // 0) != length $labels;
            my $key = join ',', map { "$_=$l{$_}" } sort keys %l;
            push @bad, "twice: $line" if exists $m{$name}{$key};
            $m{$name}{$key} = $v;
        } else {
            push @bad, "not a sample: $line";
        }
    }
    return ($r, \%m, \@bad);
}

sub api ($q) {
    my $r = $t->get("/api/v1/stats?$q");
    return eval { $json->decode($r->{content}) } // {};
}

# the figures gauges of one agency label against the API's groups
sub gauges_ok ($m, $label, $groups, $name) {
    my %g;
    for my $ch (@CH) {
        my ($grp) = grep { $_->{channel} eq $ch } @$groups;
        $grp //= {};
        my $k = "agency=$label,channel=$ch";
        my %want = (
            "onestop_dossiers_received|$k" => $grp->{received} // 0,
            "onestop_dossiers_withdrawn|$k" => $grp->{withdrawn} // 0,
            "onestop_dossiers_resolved|$k,timeliness=early" =>
                $grp->{resolved_early} // 0,
            "onestop_dossiers_resolved|$k,timeliness=on_time" =>
                $grp->{resolved_on_time} // 0,
            "onestop_dossiers_resolved|$k,timeliness=late" =>
                $grp->{resolved_late} // 0,
            "onestop_dossiers_pending|$k,state=not_due" =>
                $grp->{pending_not_due} // 0,
            "onestop_dossiers_pending|$k,state=overdue" =>
                $grp->{pending_overdue} // 0,
        );
        %g = (%g, %want);
    }
    my (%got, %want);
    for my $key (keys %g) {
        my ($metric, $labels) = split /\|/, $key;
        # a series left out stands for 0 only where the API has 0
        next if !exists $m->{$metric}{$labels} && $g{$key} == 0;
        $got{$key} = $m->{$metric}{$labels};
        $want{$key} = $g{$key};
    }
    is_deeply(\%got, \%want, $name);
}

# --- the format ---

my ($res, $m, $bad) = scrape();
is($res->{status}, 200, '/metrics: 200');
like($res->{headers}{'content-type'} // '',
    qr{^text/plain; ?version=0\.0\.4(?:;|\z)},
    'Content-Type text/plain; version=0.0.4');
is_deeply($bad, [], 'every line a comment or a well-formed sample');
my $text = $res->{content};

SKIP: {
    skip('promtool (Debian package prometheus) is not installed', 1)
        unless $have_promtool;
    my $file = $t->spew('metrics.txt', $text);
    my $out = `promtool check metrics < '$file' 2>&1`;
    is($?, 0, 'promtool check metrics passes') or diag($out);
}

my @names_seen = sort keys %$m;
is(scalar(grep { !/^onestop_/ } @names_seen), 0, 'every name starts onestop_');
my %type = $text =~ /^# TYPE (\S+) (\S+)$/mg;
for my $seen (@names_seen) {
    # a histogram's series are named after it
    my $name = $seen;
    $name =~ s/_(?:bucket|sum|count)\z// if !exists $type{$seen};
    ok(exists $type{$name}, "$seen has a TYPE");
    like($text, qr/^# HELP \Q$name\E \S/m, "$seen has a HELP");
}
for my $name (grep { $type{$_} eq 'counter' } keys %type) {
    like($name, qr/_total\z/, "counter $name ends in _total");
}
for my $name (grep { $type{$_} eq 'gauge' } keys %type) {
    unlike($name, qr/_total\z/, "gauge $name does not end in _total");
}
is($type{$_}, 'gauge', "$_ is a gauge") for qw(onestop_dossiers_received
    onestop_dossiers_resolved onestop_dossiers_withdrawn
    onestop_dossiers_pending);
is($type{$_}, 'counter', "$_ is a counter")
    for qw(onestop_records_accepted_total onestop_http_requests_total);

is($m->{onestop_store_map_size_bytes}{''}, 256 * 1024 * 1024,
    'onestop_store_map_size_bytes: the configured map_size');
is($m->{onestop_zone_size_bytes}{''}, 8 * 1024 * 1024,
    'onestop_zone_size_bytes: the configured zone');
ok(($m->{onestop_store_used_bytes}{''} // 0) > 0
    && $m->{onestop_store_used_bytes}{''} <= 256 * 1024 * 1024,
    'onestop_store_used_bytes within the map');
ok(($m->{onestop_zone_used_bytes}{''} // 0) > 0
    && $m->{onestop_zone_used_bytes}{''} <= 8 * 1024 * 1024,
    'onestop_zone_used_bytes within the zone');

# --- nothing personal ---

my $dtext = decode('UTF-8', $text);
is(scalar(grep { index($text, $_->{code}) >= 0 } @recs), 0,
    'no dossier code anywhere');
is(scalar(grep { index($dtext, $_) >= 0 } @names), 0,
    'no applicant name anywhere');
ok(index($dtext, 'Phan') < 0 && index($text, '0911222333') < 0,
    'not even part of a name, nor a phone');

# --- the figures: province and top-level agencies ---

my $all = api('period=all&group=channel');
for my $ch (@CH) {
    my ($g) = grep { $_->{channel} eq $ch } @{$all->{groups}};
    my $c = $count{province}{$ch};
    is_deeply([map { $g->{$_} // 0 } qw(received resolved_early
            resolved_on_time resolved_late withdrawn pending_not_due
            pending_overdue)],
        [map { $c->{$_} // 0 } qw(received early on_time late withdrawn
            not_due overdue)],
        "the API's all-time figures for $ch, as counted by hand");
}
gauges_ok($m, 'province', $all->{groups},
    'agency="province": every channel equals the API');

my $tops = api('period=all&group=top_agency,channel');
my %by;
push @{$by{$_->{top_agency}}}, $_ for @{$tops->{groups}};
for my $ag (sort keys %by) {
    gauges_ok($m, $ag, $by{$ag}, "agency=\"$ag\" (top-level) equals the API");
    my $under = api("period=all&group=channel&under=$ag");
    gauges_ok($m, $ag, $under->{groups},
        "agency=\"$ag\" equals the API under=$ag");
}
is_deeply([sort keys %by], [sort keys %{{map { $_ => 1 } values %top}}],
    'every top-level agency has figures');
my %labels = map { /agency=([^,]*)/ ? ($1 => 1) : () }
    keys %{$m->{onestop_dossiers_received}};
is_deeply([sort keys %labels],
    [sort('province', keys %{{map { $_ => 1 } values %top}})],
    'agency labels: the province and the top-level agencies only');

# --- counters grow by what was done ---

sub counter ($m, $name, $labels) { $m->{$name}{$labels} // 0 }

# requests are counted when they are logged, just after the answer went
# out: scrape until the counters show them (or a second has passed)
sub scrape_until ($want) {
    my ($r, $m);
    my $end = time + 1;
    do { ($r, $m) = scrape() } until $want->($m) || time > $end
        || !defined sleep 0.05;
    return ($r, $m);
}

my ($r0, $m0) = scrape();
my $l200 = counter($m0, 'onestop_http_requests_total',
    'handler=lookup,status=200');
my $l404 = counter($m0, 'onestop_http_requests_total',
    'handler=lookup,status=404');
my $acc = counter($m0, 'onestop_records_accepted_total', '');
cmp_ok($acc, '>=', scalar @recs, 'records accepted counts the first batch');
for my $i (1 .. 12) {
    $r = $t->get(sprintf('/api/v1/dossiers/MX-%03d', $i));
    is($r->{status}, 200, "lookup $i") if $i == 1;
}
$t->get('/api/v1/dossiers/NO-SUCH-1') for 1 .. 3;
my ($r1, $m1) = scrape_until(sub ($m) {
    counter($m, 'onestop_http_requests_total', 'handler=lookup,status=200')
        >= $l200 + 12
    && counter($m, 'onestop_http_requests_total', 'handler=lookup,status=404')
        >= $l404 + 3 });
is(counter($m1, 'onestop_http_requests_total', 'handler=lookup,status=200'),
    $l200 + 12, 'lookup 200 grew by 12, across both workers');
is(counter($m1, 'onestop_http_requests_total', 'handler=lookup,status=404'),
    $l404 + 3, 'lookup 404 grew by 3');

# a write: two new records, two unchanged
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([
        {%{$recs[0]}, code => 'MX-NEW-1'}, {%{$recs[1]}, code => 'MX-NEW-2'},
        $recs[2], $recs[3]]));
is($r->{status}, 200, 'a second write') or diag($r->{content});
is_deeply(eval { $json->decode($r->{content}) },
    {accepted => 2, unchanged => 2, stale => 0}, 'two accepted');
my $i200 = counter($m1, 'onestop_http_requests_total',
    'handler=ingest,status=200');
my ($r2, $m2) = scrape_until(sub ($m) {
    counter($m, 'onestop_http_requests_total', 'handler=ingest,status=200')
        >= $i200 + 1 });
is(counter($m2, 'onestop_records_accepted_total', ''), $acc + 2,
    'onestop_records_accepted_total grew by 2');
is(counter($m2, 'onestop_http_requests_total', 'handler=ingest,status=200'),
    $i200 + 1, 'ingest 200 grew by 1');
cmp_ok(counter($m2, 'onestop_store_commits_total', ''), '>',
    counter($m1, 'onestop_store_commits_total', ''),
    'onestop_store_commits_total grew with the write');
is($type{onestop_store_commits_total}, 'counter',
    'onestop_store_commits_total is a counter');

# the figures follow, and a deletion lowers a gauge
$all = api('period=all&group=channel');
gauges_ok($m2, 'province', $all->{groups}, 'after the write: province');
my $ch0 = $recs[0]{channel};
my $before = $m2->{onestop_dossiers_received}{"agency=province,channel=$ch0"};
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/MX-NEW-1', headers => \%admin);
is($r->{status}, 200, 'MX-NEW-1 deleted');
my ($r3, $m3) = scrape();
is($m3->{onestop_dossiers_received}{"agency=province,channel=$ch0"},
    $before - 1, 'a deletion lowers the received gauge');
is(counter($m3, 'onestop_records_accepted_total', ''), $acc + 2,
    'a deletion accepts no record');
is(index($r3->{content}, 'MX-NEW'), -1, 'no code of the new ones either');

# the counters survive a reload (the zone is kept)
ok($t->reload, 'reload');
my ($r4, $m4) = scrape();
cmp_ok(counter($m4, 'onestop_http_requests_total', 'handler=lookup,status=200'),
    '>=', $l200 + 12, 'request counters are not lost on reload');

# --- onestop_metrics_agencies all ---

conf('onestop_metrics_agencies all;');
ok($t->reload, 'reload with onestop_metrics_agencies all');
my ($r5, $m5, $bad5) = scrape();
is_deeply($bad5, [], 'all: every line well-formed');
%labels = map { /agency=([^,]*)/ ? ($1 => 1) : () }
    keys %{$m5->{onestop_dossiers_received}};
is_deeply([sort keys %labels], [sort('province', @AG)],
    'all, at once after the reload: the province and every agency')
    or diag('labels after the reload: ' . join(' ', sort keys %labels));

# a write changes the figures (and so any answer kept from before)
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({%{$recs[5]}, code => 'MX-NEW-3'}));
is($r->{status}, 200, 'a third write') or diag($r->{content});
($r5, $m5, $bad5) = scrape();
is_deeply($bad5, [], 'all: every line well-formed after the write');
my $per = api('period=all&group=agency,channel');
%by = ();
push @{$by{$_->{agency}}}, $_ for @{$per->{groups}};
for my $ag (sort keys %by) {
    gauges_ok($m5, $ag, $by{$ag}, "all: agency=\"$ag\" equals the API");
    my $own = api("period=all&group=channel&agency=$ag");
    gauges_ok($m5, $ag, $own->{groups},
        "all: agency=\"$ag\" equals the API agency=$ag");
}
is_deeply([sort keys %by], [sort @AG], 'all: every agency has figures');
%labels = map { /agency=([^,]*)/ ? ($1 => 1) : () }
    keys %{$m5->{onestop_dossiers_received}};
is_deeply([sort keys %labels], [sort('province', @AG)],
    'all: agency labels are the province and every agency');
$all = api('period=all&group=channel');
gauges_ok($m5, 'province', $all->{groups}, 'all: the province still');
is(scalar(grep { index($r5->{content}, $_->{code}) >= 0 } @recs), 0,
    'all: no dossier code');
SKIP: {
    skip('promtool is not installed', 1) unless $have_promtool;
    my $file = $t->spew('metrics-all.txt', $r5->{content});
    my $out = `promtool check metrics < '$file' 2>&1`;
    is($?, 0, 'all: promtool check metrics passes') or diag($out);
}

# a bad value is refused by nginx -t
conf('onestop_metrics_agencies some;');
my ($st, $out) = $t->test_conf;
isnt($st, 0, 'nginx -t refuses onestop_metrics_agencies some');
like($out, qr/"some"/, 'and says which value') or diag($out);
conf('onestop_metrics_agencies top;');
($st, $out) = $t->test_conf;
is($st, 0, 'nginx -t takes onestop_metrics_agencies top') or diag($out);

# methods
$r = $t->http('POST', '/metrics', body => 'x');
is($r->{status}, 405, 'POST /metrics: 405');

$t->check_log;

done_testing;
