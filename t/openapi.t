#!/usr/bin/perl

# docs/openapi.yaml against the real server: the file passes Redocly's
# linter (recommended-strict, tools/redocly.yaml), then a real nginx with
# the module serves every endpoint of the reference configuration, and each
# answer, success and error, is checked against the spec: its status is one
# the operation lists, its Content-Type one the spec gives for it, the
# headers the spec pins (Cache-Control, ETag, CORS, ...) are there with
# those values, and every JSON body validates against the response schema
# of its path, method and status (ajv's JSON Schema 2020-12, the dialect
# of OpenAPI 3.1, with ajv-formats: t/openapi_validate.js).  Every JSON
# operation of the spec must have been exercised.  The npm packages are
# those of tools/package-lock.json (make deps); the test is skipped only
# where node cannot be installed, or is older than the linter needs
# (20.19).

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(encode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $root = $Onestop::Test::ROOT;
my $tools = "$root/tools";

my ($major, $minor) = (`node --version 2>/dev/null` // '') =~ /^v(\d+)\.(\d+)/;
plan skip_all => 'no node (make deps installs nodejs and npm)'
    unless defined $major;
# @redocly/cli 2 runs on Node.js 20.19 or later (Debian 12's own is 18;
# this project's machines have 20)
plan skip_all => "node v$major.$minor: \@redocly/cli needs 20.19 or later"
    unless $major > 20 || ($major == 20 && $minor >= 19);

# make deps installs them; a bare prove does it here, or fails
unless (-e "$tools/node_modules/.package-lock.json") {
    diag('installing the npm packages of tools/package-lock.json');
    system("cd $tools && npm ci --no-audit --no-fund --loglevel=error") == 0
        or BAIL_OUT('npm ci in tools/ failed: run make deps');
}

$ENV{REDOCLY_TELEMETRY} = 'off';
$ENV{REDOCLY_SUPPRESS_UPDATE_NOTICE} = 'true';
$ENV{NO_COLOR} = '1';

my $json = JSON::PP->new->utf8->canonical;
my $redocly = "$tools/node_modules/.bin/redocly";

# --- (a) the linter ---

my $t = Onestop::Test->new(today => '2024-06-14');
my $dir = $t->dir;

my $lint = `$redocly lint --config $tools/redocly.yaml $root/docs/openapi.yaml 2>&1`;
is($? >> 8, 0, 'redocly lint: docs/openapi.yaml is valid') or diag($lint);
unlike($lint, qr/You have \d+ warning/, 'and without warnings') or diag($lint);

my $out = `$redocly bundle $root/docs/openapi.yaml --ext json -o $dir/openapi.json 2>&1`;
is($? >> 8, 0, 'redocly bundle to JSON') or BAIL_OUT($out);
my $spec = $json->decode(Onestop::Test::slurp("$dir/openapi.json"));

# --- (b) the real server ---

$ENV{ONESTOP_TIME} = '10:00';
my $QRKEY = ('3c' x 16) . ('d2' x 16);
$t->spew('keys', sha256_hex('oa-admin') . " * admin\n"
    . sha256_hex('oa-benluc') . " 000.00.30.H36 Ben Luc\n"
    . sha256_hex('oa-sms') . " sms gateway\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_standard_conf(
    serve => [map { $_->[0] } @Onestop::Test::HANDLERS],
    qr_key => 1, zone => '8m',
    location => { ingest => 'client_max_body_size 16k;' },
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n",
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n"
        . "location /api/v1/changes { onestop_changes; }\n"
        . "location = /sms { onestop_sms; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer oa-admin');
my %benluc = (Authorization => 'Bearer oa-benluc');
my %jsonct = ('Content-Type' => 'application/json');

# the spec's pieces, following local references
sub deref ($node) {
    while (ref $node eq 'HASH' && defined $node->{'$ref'}) {
        my $ref = $node->{'$ref'};
        $ref =~ s{^#/}{} or die "not a local reference: $ref\n";
        $node = $spec;
        for my $k (split m{/}, $ref) {
            $k =~ s/~1/\//g;
            $k =~ s/~0/~/g;
            $node = $node->{$k} // die "no $ref in the spec\n";
        }
    }
    return $node;
}

my @cases;          # JSON bodies for the validator
my %exercised;      # "METHOD PATH STATUS"

# a request to a path of the spec: its status is the expected one and one
# the operation lists; its type, headers and (JSON) body as the spec says
sub call ($method, $tmpl, $url, %o) {
    my $r = $t->http($method, $url,
        headers => $o{headers} // {},
        defined $o{body}
            ? (body => ref $o{body} ? $json->encode($o{body}) : $o{body})
            : ());
    my $name = "$method $url" . ($o{name} ? " ($o{name})" : '');
    my $st = $r->{status};
    is($st, $o{status}, "$name: $o{status}")
        or diag(substr($r->{content} // '', 0, 500));
    my $smethod = $o{as} // $method;
    my $op = $spec->{paths}{$tmpl}{lc $smethod};
    unless ($op) {
        fail("$name: the spec has $smethod $tmpl");
        return $r;
    }
    my $resp = $op->{responses}{$st};
    unless ($resp) {
        fail("$name: the spec lists status $st for $smethod $tmpl");
        return $r;
    }
    $exercised{"$smethod $tmpl $st"} = 1;
    $resp = deref($resp);

    my $type = $r->{headers}{'content-type'} // '';
    (my $base = $type) =~ s/\s*;.*//;
    my $content = $resp->{content} // {};
    if (length($r->{content} // '') && $st != 304 && %$content) {
        ok(exists $content->{$base},
            "$name: Content-Type $base is one the spec gives")
            or diag("spec: " . join(', ', sort keys %$content));
    }
    for my $h (sort keys %{ $resp->{headers} // {} }) {
        my $schema = deref(deref($resp->{headers}{$h})->{schema} // {});
        next unless defined $schema->{const} || defined $schema->{pattern};
        my $v = $r->{headers}{lc $h};
        if (defined $schema->{const}) {
            is($v, $schema->{const}, "$name: $h as the spec says");
        } else {
            like($v // '', qr/$schema->{pattern}/,
                "$name: $h as the spec says");
        }
    }
    if ($content->{'application/json'} && $base eq 'application/json'
        && $method ne 'HEAD')
    {
        push @cases, { name => $name, path => $tmpl, method => $smethod,
            status => $st, body => $r->{content} };
    }
    return $r;
}

sub body_of ($r) { return eval { $json->decode($r->{content}) } // {} }

# --- writes: the catalog and the dossiers ---

my $CAT = '/api/v1/ingest/catalog';
my $ING = '/api/v1/ingest/dossiers';
call('POST', $CAT, $CAT, headers => \%admin,
    body => Onestop::Test::catalog_json(), status => 200);
call('POST', $CAT, $CAT, headers => \%benluc,
    body => Onestop::Test::catalog_json(), status => 403,
    name => "a district's key");
call('POST', $CAT, $CAT, headers => \%admin, status => 422,
    body => { agencies => [{ id => 'x1', name => 'X', level => 'commune',
        parent => 'nope' }] }, name => 'an unknown parent');
call('POST', $CAT, $CAT, headers => \%admin, body => '{"agencies": [',
    status => 400, name => 'not JSON');
call('GET', $CAT, $CAT, headers => \%admin, status => 405, as => 'POST');

sub rec (%r) {
    return { version => 1, channel => 'direct',
        applicant => { name => 'Nguyễn Văn An' },
        contact => { phone => '0912345678' }, %r };
}

my $D1 = '000.00.12.H36-240601-0001';
my $D2 = '000.30.01.H36-240601-0002';
my $D3 = '000.00.30.H36-240613-0003';
my $D4 = '000.00.12.H36-240610-0004';
my $D5 = '000.00.12.H36-240610-0005';
my @records = (
    # returned early
    rec(code => $D1, agency => '000.00.12.H36', procedure => '1.001234',
        received_at => '2024-06-01T08:15:00+07:00', due_at => '2024-06-05',
        resolved_at => '2024-06-04', returned_at => '2024-06-05'),
    # an apology letter, by post
    rec(code => $D2, agency => '000.30.01.H36', procedure => '1.000894',
        channel => 'postal', return_channel => 'postal',
        applicant => { name => 'Lê Thị Hồng Nhung' },
        received_at => '2024-06-03', due_at => '2024-06-05',
        apology => { issued_at => '2024-06-05', new_due_at => '2024-06-12',
            reason => 'Cần xác minh thêm' }),
    # online, received by Điều 9.1 (Thursday 17:30 -> Friday 07:00)
    rec(code => $D3, agency => '000.00.30.H36', procedure => '1.009999',
        channel => 'online', submitted_at => '2024-06-13T17:30:00+07:00',
        due_at => '2024-06-28'),
    # withdrawn; an organization
    rec(code => $D4, agency => '000.00.12.H36', procedure => '1.001234',
        applicant => { name => 'Công ty TNHH Gạo Phúc Thịnh',
            type => 'organization' },
        received_at => '2024-06-10', due_at => '2024-06-20',
        withdrawn_at => '2024-06-11'),
);
my $r = call('POST', $ING, $ING, headers => { %admin, %jsonct },
    body => \@records, status => 200, name => 'an array');
is_deeply(body_of($r), { accepted => 4, unchanged => 0, stale => 0 },
    'four accepted');
call('POST', $ING, $ING, headers => { %admin, %jsonct },
    body => $records[0], status => 200, name => 'one record, unchanged');
call('POST', $ING, $ING, status => 401, body => $records[0],
    headers => \%jsonct, name => 'no key');
call('POST', $ING, $ING, status => 401, body => $records[0],
    headers => { Authorization => 'Bearer nope', %jsonct },
    name => 'an unknown key');
call('POST', $ING, $ING, headers => { %benluc, %jsonct }, status => 403,
    body => rec(code => $D5, agency => '000.00.12.H36',
        procedure => '1.001234', received_at => '2024-06-10',
        due_at => '2024-06-20'), name => 'out of scope');
call('POST', $ING, $ING, headers => { %admin, %jsonct }, status => 422,
    body => [rec(code => $D5, agency => '000.00.12.H36',
        procedure => '1.001234', received_at => '2024-06-10',
        due_at => '2024-06-01'), { code => 'A-1', version => 0 }],
    name => 'invalid records');
call('POST', $ING, $ING, headers => { %admin, %jsonct }, status => 409,
    body => { %{ $records[0] }, contact => { phone => '0999999999' } },
    name => 'the same version, other content');
call('POST', $ING, $ING, headers => { %admin, %jsonct }, status => 400,
    body => '{"code": ', name => 'not JSON');
call('POST', $ING, $ING, status => 400, name => 'a bad NDJSON line',
    headers => { %admin, 'Content-Type' => 'application/x-ndjson' },
    body => $json->encode(rec(code => $D5, agency => '000.00.12.H36',
        procedure => '1.001234', received_at => '2024-06-10',
        due_at => '2024-06-20')) . "\n{nope\n");
$r = call('POST', $ING, $ING, status => 200, name => 'NDJSON',
    headers => { %admin, 'Content-Type' => 'application/x-ndjson' },
    body => $json->encode(rec(code => $D5, agency => '000.00.12.H36',
        procedure => '1.001234', received_at => '2024-06-10',
        due_at => '2024-06-20')) . "\n\n");
call('GET', $ING, $ING, headers => \%admin, status => 405, as => 'POST',
    name => 'another method');
call('POST', $ING, $ING, headers => { %admin, %jsonct }, status => 413,
    body => '[' . ('{}, ' x 8000) . '{}]', name => 'over the body size');
call('POST', $ING, '/api/v1/ingest/nope', headers => \%admin, status => 404,
    body => '{}', name => 'another path');
call('DELETE', "$ING/{code}", "$ING/$D5", headers => \%admin,
    status => 200);
call('DELETE', "$ING/{code}", "$ING/$D5", headers => \%admin,
    status => 404, name => 'already deleted');
call('DELETE', "$ING/{code}", "$ING/$D1", headers => \%benluc,
    status => 403, name => 'out of scope');
call('DELETE', "$ING/{code}", "$ING/not..a..code!", headers => \%admin,
    status => 400, name => 'not a code');

# six resolved dossiers to evaluate
my @E = map { sprintf('000.00.15.H36-240605-%04d', $_) } 1 .. 6;
call('POST', $ING, $ING, headers => { %admin, %jsonct }, status => 200,
    name => 'six to evaluate',
    body => [map { rec(code => $_, agency => '000.00.15.H36',
        procedure => '1.009999', received_at => '2024-06-05',
        due_at => '2024-06-12', resolved_at => '2024-06-12') } @E]);

# --- lookups ---

my $LK = '/api/v1/dossiers/{code}';
for my $code ($D1, $D2, $D3, $D4) {
    call('GET', $LK, "/api/v1/dossiers/$code", status => 200);
}
$r = call('GET', $LK, "/api/v1/dossiers/$D3", status => 200,
    name => 'Điều 9.1');
is(body_of($r)->{received_at}, '2024-06-14T07:00:00+07:00',
    'the received moment, as Điều 9.1 gives it');
is(body_of(call('GET', $LK, "/api/v1/dossiers/$D4", status => 200))
    ->{timeliness}, undef, 'a withdrawn dossier: timeliness null');
$r = call('GET', $LK, "/api/v1/dossiers/?code=$D1", status => 200,
    name => 'by ?code=');
my $etag = $r->{headers}{etag};
call('GET', $LK, "/api/v1/dossiers/$D1", status => 304,
    headers => { 'If-None-Match' => $etag }, name => 'If-None-Match');
call('GET', $LK, '/api/v1/dossiers/%3Cx%3E', status => 400,
    name => 'not a code');
call('GET', $LK, '/api/v1/dossiers/', status => 400, name => 'no code');
call('GET', $LK, "/api/v1/dossiers/$D5", status => 404, name => 'deleted');
call('POST', $LK, "/api/v1/dossiers/$D1", status => 405, as => 'GET',
    body => '{}', headers => \%jsonct);
call('GET', '/tra-cuu', '/tra-cuu', status => 200);
call('GET', '/tra-cuu', "/tra-cuu?code=$D1", status => 200);
call('GET', '/tra-cuu/{code}', "/tra-cuu/$D2", status => 200);
call('GET', '/tra-cuu/{code}', '/tra-cuu/000.00.12.H36-999999-9999',
    status => 404);
call('GET', '/tra-cuu', '/tra-cuu?code=%3Cx%3E', status => 400);

# --- QR codes, receipts, the signed link ---

call('GET', '/qr/{file}', "/qr/$D1.svg", headers => \%admin, status => 200);
call('GET', '/qr/{file}', "/qr/$D1.png?size=2", headers => \%admin,
    status => 200);
call('GET', '/qr/{file}', "/qr/$D1.png", status => 401, name => 'no key');
call('GET', '/qr/{file}', "/qr/$D1.png?size=50", headers => \%admin,
    status => 400, name => 'size out of range');
call('GET', '/qr/{file}', "/qr/$D1.png", headers => \%benluc,
    status => 403, name => 'out of scope');
call('GET', '/qr/{file}', "/qr/$D5.svg", headers => \%admin,
    status => 404, name => 'deleted');
call('GET', '/receipt/{code}', "/receipt/$D3", headers => \%benluc,
    status => 200);
call('GET', '/receipt/{code}', "/receipt/$D3", status => 401,
    name => 'no key');
call('GET', '/receipt/{code}', "/receipt/$D1", headers => \%benluc,
    status => 403, name => 'out of scope');

sub token_of ($code) {
    my $mac = hmac_sha256($code, pack('H*', $QRKEY));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

call('GET', '/q/{token}', '/q/' . token_of($D1), status => 200);
call('GET', '/q/{token}', "/q/$D1.AAAAAAAAAAAAAAAA", status => 404,
    name => 'a wrong signature');

# --- evaluations ---

my $EV = '/api/v1/evaluations';
$r = call('POST', $EV, $EV, headers => \%jsonct, status => 201,
    body => { token => token_of($D1), answers => { 3 => 2, 7 => 1 },
        comment => 'Cán bộ nhiệt tình' }, name => 'by token');
is(body_of($r)->{answers}{1}, 2, 'index 1 computed: early is 2');
call('POST', $EV, $EV, headers => \%jsonct, status => 409,
    body => { token => token_of($D1), answers => { 3 => 2 } },
    name => 'a second time');
call('POST', $EV, $EV, headers => \%jsonct, status => 401,
    body => { code => $E[0], answers => { 2 => 2 } },
    name => 'a code without a key');
call('POST', $EV, $EV, headers => { %benluc, %jsonct }, status => 403,
    body => { code => $E[0], answers => { 2 => 2 } },
    name => "a key that does not cover it");
call('POST', $EV, $EV, headers => { %admin, %jsonct }, status => 422,
    body => { code => $D3, answers => { 2 => 2 } }, name => 'in progress');
call('POST', $EV, $EV, headers => \%jsonct, status => 404,
    body => { token => "$D1.AAAAAAAAAAAAAAAA", answers => { 2 => 2 } },
    name => 'a bad token');
call('POST', $EV, $EV, headers => \%jsonct, status => 400, body => '[1]',
    name => 'not an object');
call('GET', $EV, $EV, status => 405, as => 'POST');
call('POST', $EV, $EV, headers => \%jsonct, status => 413,
    body => { token => token_of($D1), answers => { 2 => 2 },
        comment => 'x' x 70000 }, name => 'over 64 KiB');
for my $i (0 .. 4) {
    call('POST', $EV, $EV, headers => { %admin, %jsonct }, status => 201,
        body => { code => $E[$i], answers => { 2 => $i % 3, 5 => 2 },
            $i % 2 ? (comment => 'Tốt') : () }, name => "by code $i");
}
$r = call('POST', $EV, $EV, status => 422, name => "the form, no answer",
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded' },
    body => 'token=' . token_of($E[5]) . '&comment=x');
like($r->{headers}{'content-type'} // '', qr{^text/html},
    'the form without an answer: a page');
call('POST', $EV, $EV, status => 404, name => "the form, a bad token",
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded' },
    body => 'token=' . token_of($E[5]) . 'x&a2=2');
$r = call('POST', $EV, $EV, status => 303, name => "the page's form",
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded' },
    body => 'token=' . token_of($E[5]) . '&a2=2&a3=1');
like($r->{headers}{location} // '', qr{/q/\Q$E[5]\E\.[^#]+#danh-gia$},
    'the form goes back to /q/');

my $SUM = '/api/v1/evaluations/summary';
$r = call('GET', $SUM, $SUM, status => 200);
is(body_of($r)->{totals}{evaluations}, 7, 'seven evaluations');
$r = call('GET', $SUM, "$SUM?group=agency&agency=000.00.15.H36",
    status => 200, name => 'grouped');
is(scalar(grep { !$_->{withheld} } @{ body_of($r)->{groups} }), 1,
    'one group of 5 or more');
$r = call('GET', $SUM, "$SUM?group=agency", status => 200,
    name => 'grouped, with a group of one');
is(scalar(grep { $_->{withheld} } @{ body_of($r)->{groups} }), 2,
    'the group of one withheld, and the other too (the totals less it '
    . 'would be that one)');
$r = call('GET', $SUM, "$SUM?agency=000.00.12.H36", status => 200,
    name => 'fewer than 5');
ok(body_of($r)->{totals}{withheld}
    && !defined body_of($r)->{totals}{1}{mean}, 'withheld: no mean');
call('GET', $SUM, "$SUM?interval=month", status => 400,
    name => 'interval');

# --- statistics, apologies, widgets, dashboard, metrics ---

my $ST = '/api/v1/stats';
$r = call('GET', $ST, $ST, status => 200);
$etag = $r->{headers}{etag};
call('GET', $ST, $ST, status => 304, headers => { 'If-None-Match' => $etag },
    name => 'If-None-Match');
call('GET', $ST, "$ST?period=year&group=top_agency,channel,level",
    status => 200, name => 'three dimensions');
call('GET', $ST, "$ST?group=agency,field,procedure&under=000.00.30.H36",
    status => 200, name => 'names');
call('GET', $ST, "$ST?from=2024-05-20&to=2024-06-15&interval=month",
    status => 200, name => 'a series');
call('GET', $ST, "$ST?period=month&channel=online&level=district",
    status => 200, name => 'filters');
$r = call('GET', $ST, "$ST?period=year&group=channel&format=csv",
    status => 200, name => 'CSV');
like($r->{content}, qr/^\x{ef}\x{bb}\x{bf}channel,carried_over,/,
    'CSV: a BOM and the header row');
for my $bad ('period=year&from=2024-01-01', 'group=agency,agency',
    'group=nope', 'interval=month&group=agency', 'agency=nope',
    'from=2024-13-01', 'format=xml', 'agency=a&agency=b', 'period=week',
    'subject=nope', 'subject=feedback&interval=month',
    join('&', map { "x$_=1" } 1 .. 65))
{
    call('GET', $ST, "$ST?$bad", status => 400,
        name => substr($bad, 0, 30));
}
# published figures (issue 18): May is published on 14 June (read as it
# will be frozen: the store's first day of writes freezes nothing;
# t/published.t moves the day and shows the differences)
call('POST', $ING, $ING, headers => { %admin, %jsonct },
    body => rec(code => '000.00.12.H36-240520-0009', agency => '000.00.12.H36',
        procedure => '1.001234', received_at => '2024-05-20',
        due_at => '2024-05-30'),
    status => 200, name => 'a record of May');
$r = call('GET', $ST, "$ST?from=2024-05-01&to=2024-05-31&group=agency"
    . '&as=published', status => 200, name => 'as=published');
is(body_of($r)->{totals}{received}, 1, 'as=published: May\'s figures');
is_deeply(body_of($r)->{totals}{changed_by}, [], 'as=published: no code');
call('GET', $ST, "$ST?from=2024-04-01&to=2024-05-31&group=top_agency"
    . '&as=published&format=csv', status => 200, name => 'as=published, CSV');
for my $bad ('from=2024-06-01&to=2024-06-30&as=published',
    'from=2024-05-01&to=2024-05-31&as=published&group=field',
    'from=2024-05-02&to=2024-05-31&as=published', 'as=published', 'as=x')
{
    call('GET', $ST, "$ST?$bad", status => 400,
        name => substr($bad, 0, 40));
}
call('POST', $ST, $ST, status => 405, as => 'GET', body => '');
$r = call('HEAD', $ST, "$ST?period=year", status => 200, as => 'GET',
    name => 'HEAD');
is($r->{content} // '', '', 'HEAD: no body');
call('HEAD', $LK, "/api/v1/dossiers/$D1", status => 200, as => 'GET',
    name => 'HEAD');

my $AP = '/api/v1/apologies';
$r = call('GET', $AP, $AP, status => 200);
is(body_of($r)->{items}[0]{applicant}{name}, 'Lê T. H. N.',
    'an apology: the name masked');
$r = call('GET', $AP, "$AP?limit=1&under=000.00.30.H36&from=2024-06-01",
    status => 200, name => 'a page');
call('GET', $AP, "$AP?limit=0", status => 400, name => 'limit 0');
call('GET', $AP, "$AP?after=nope", status => 400, name => 'a bad cursor');

# --- issue 15: the catalog, CSV in both dialects, the sync partner ---

my $CA = '/api/v1/catalog';
$r = call('GET', $CA, $CA, status => 200);
is(scalar @{ body_of($r)->{agencies} }, 7, 'the catalog: seven agencies');
call('GET', $CA, $CA, status => 304,
    headers => { 'If-None-Match' => $r->{headers}{etag} },
    name => 'If-None-Match');
call('GET', $CA, "$CA?format=csv&table=procedures&locale=vi", status => 200,
    name => 'CSV');
for my $bad ('format=csv', 'table=fields', 'format=csv&table=nope',
    'format=csv&table=fields&locale=fr')
{
    call('GET', $CA, "$CA?$bad", status => 400, name => $bad);
}
call('POST', $CA, $CA, status => 405, as => 'GET', body => '');
call('GET', $ST, "$ST?period=year&group=agency&format=csv&locale=vi",
    status => 200, name => 'CSV, locale=vi');
call('GET', $ST, "$ST?locale=vi", status => 400, name => 'locale alone');
call('GET', $AP, "$AP?format=csv&locale=vi", status => 200, name => 'CSV');
call('GET', $SUM, "$SUM?format=csv", status => 200, name => 'CSV');

my $RD = '/api/v1/ingest/dossiers/{code}';
$r = call('GET', $RD, "/api/v1/ingest/dossiers/$D1", headers => \%admin,
    status => 200, name => 'the administrator');
is(body_of($r)->{contact}{phone}, '0912345678', 'the record: its contact');
my $back = $t->http('POST', $ING, headers => { %admin, %jsonct },
    body => $r->{content});
is_deeply(body_of($back), { accepted => 0, unchanged => 1, stale => 0 },
    'the record written back: unchanged');
call('GET', $RD, "/api/v1/ingest/dossiers/$D1", status => 304,
    headers => { %admin, 'If-None-Match' => $r->{headers}{etag} },
    name => 'If-None-Match');
call('GET', $RD, "/api/v1/ingest/dossiers/$D3", headers => \%benluc,
    status => 200, name => 'a key in scope');
call('GET', $RD, "/api/v1/ingest/dossiers/$D1", headers => \%benluc,
    status => 404, name => 'out of scope');
call('GET', $RD, '/api/v1/ingest/dossiers/NO-SUCH', headers => \%admin,
    status => 404, name => 'absent');
call('GET', $RD, "/api/v1/ingest/dossiers/$D1", status => 401,
    name => 'no key');

call('GET', '/widget/{file}', '/widget/province.svg', status => 200);
call('GET', '/widget/{file}', '/widget/000.00.30.H36.html', status => 200);
call('GET', '/widget/{file}', '/widget/nope.svg', status => 404,
    name => 'an unknown agency');
call('GET', '/', '/', status => 200);
$r = call('GET', '/metrics', '/metrics', status => 200);
like($r->{content}, qr/^onestop_dossiers_received\{/m, 'metrics');

# --- lookup by SMS (issue 16) ---

my %sms = (Authorization => 'Bearer oa-sms');
$r = call('GET', '/sms', "/sms?text=TRACUU+$D1",
    headers => \%sms, status => 200);
cmp_ok(length $r->{content}, '<=', 160, 'an SMS answer: one message');
call('POST', '/sms', '/sms', headers => { %sms,
    'Content-Type' => 'application/x-www-form-urlencoded' },
    body => 'text=xin+chao', status => 200, name => 'garbage');
call('GET', '/sms', '/sms?from=1', headers => \%sms, status => 400,
    name => 'no text');
call('GET', '/sms', '/sms?text=TRACUU+X', status => 401, name => 'no key');
call('GET', '/sms', '/sms?text=TRACUU+X', headers => \%admin, status => 403,
    name => 'another scope');

# --- questions (Điều 13) ---

my $FB = '/api/v1/feedback';
$r = call('POST', $FB, $FB, headers => \%jsonct, status => 201,
    body => { kind => 'question', agency => '000.00.12.H36',
        procedure => '1.001234', subject => 'Thời hạn cấp phiếu',
        text => 'Xin hỏi mất bao lâu?', name => 'Nguyễn Văn An',
        contact => '0912 345 678' });
my $q = body_of($r);
$r = call('POST', $FB, $FB, headers => \%jsonct, status => 201,
    name => 'unassigned, by a dossier code',
    body => { kind => 'complaint', code => $D3, subject => 'Chậm',
        text => 'Hồ sơ chậm', name => 'Trần Thị B',
        contact => 'b@example.vn' });
my $q2 = body_of($r);
call('POST', $FB, $FB, headers => \%jsonct, status => 422,
    body => { kind => 'rumour', subject => 'x', text => 'y', name => 'z',
        contact => '0912345678' }, name => 'a bad kind');
call('POST', $FB, $FB, headers => \%jsonct, status => 400, body => '[',
    name => 'not JSON');
call('POST', $FB, $FB, headers => \%jsonct, status => 413,
    body => { kind => 'question', subject => 'x', text => 'y' x 70000,
        name => 'z', contact => '0912345678' }, name => 'over 64 KiB');
call('GET', "$FB/{id}", "$FB/$q->{id}?token=$q->{token}", status => 200,
    name => "the sender's view");
call('GET', "$FB/{id}", "$FB/$q->{id}?token=AAAAAAAAAAAAAAAAAAAAAA",
    status => 404, name => 'a wrong token');
call('GET', "$FB/{id}", "$FB/999", status => 404, name => 'unknown');
my $IF = '/api/v1/ingest/feedback';
$r = call('GET', $IF, $IF, headers => \%admin, status => 200);
is(scalar @{ body_of($r)->{items} }, 2, 'the agencies see both');
call('GET', $IF, "$IF?status=all&kind=complaint&limit=1",
    headers => \%admin, status => 200, name => 'filters');
call('GET', $IF, "$IF?status=nope", headers => \%admin, status => 400,
    name => 'a bad status');
call('GET', $IF, $IF, status => 401, name => 'no key');
call('GET', "$IF/{id}", "$IF/$q->{id}", headers => \%admin, status => 200);
call('GET', "$IF/{id}", "$IF/$q->{id}", headers => \%benluc, status => 404,
    name => 'out of scope: as unknown');
call('POST', "$IF/{id}", "$IF/$q->{id}", headers => { %benluc, %jsonct },
    body => { answer => 'x', publish => JSON::PP::false }, status => 403,
    name => 'out of scope');
call('POST', "$IF/{id}", "$IF/$q2->{id}", headers => { %admin, %jsonct },
    body => { forward_to => '000.00.31.H36' }, status => 200,
    name => 'forwarded');
call('POST', "$IF/{id}", "$IF/$q->{id}", headers => { %admin, %jsonct },
    body => { answer => 'Mười ngày làm việc.', publish => JSON::PP::true },
    status => 200, name => 'answered');
call('POST', "$IF/{id}", "$IF/$q->{id}", headers => { %admin, %jsonct },
    body => { forward_to => '000.00.30.H36' }, status => 409,
    name => 'forwarding an answered question');
call('POST', "$IF/{id}", "$IF/$q2->{id}", headers => { %admin, %jsonct },
    body => { forward_to => 'nope' }, status => 422, name => 'nowhere');
call('POST', "$IF/{id}", "$IF/9999", headers => { %admin, %jsonct },
    body => { answer => 'x', publish => JSON::PP::false }, status => 404,
    name => 'unknown');
$r = call('GET', $FB, $FB, status => 200);
is(scalar @{ body_of($r)->{items} }, 1, 'the published list');
call('GET', $FB, "$FB?q=thoi+han&kind=question&limit=5", status => 200,
    name => 'searched');
call('GET', $FB, "$FB?limit=500", status => 400, name => 'limit');
call('GET', "$FB/{id}", "$FB/$q->{id}", status => 200,
    name => 'published, without a token');
call('GET', $ST, "$ST?subject=feedback&group=agency,kind", status => 200,
    name => 'feedback figures');
call('GET', $ST, "$ST?subject=feedback&group=top_agency", status => 200,
    name => 'feedback figures by top agency');
$r = call('GET', '/hoi-dap', '/hoi-dap', status => 200);
call('GET', '/hoi-dap', '/hoi-dap', status => 304,
    headers => { 'If-None-Match' => $r->{headers}{etag} },
    name => 'If-None-Match');
call('PUT', '/hoi-dap', '/hoi-dap', status => 405, as => 'GET');

# the page's form: asked, the honeypot, a rule, a body over 64 KiB
my %form = ('Content-Type' => 'application/x-www-form-urlencoded');
my $ask = 'kind=question&subject=H%E1%BB%8Fi&text=N%E1%BB%99i+dung'
    . '&name=L%C3%AA+V%C4%83n+T%C3%A1m&contact=0912345678';
call('POST', '/hoi-dap', '/hoi-dap', headers => \%form, body => $ask,
    status => 201);
call('POST', '/hoi-dap', '/hoi-dap', headers => \%form,
    body => "$ask&website=x", status => 400, name => 'the honeypot');
call('POST', '/hoi-dap', '/hoi-dap', headers => \%form,
    body => 'kind=question&text=x&name=x&contact=0912345678', status => 422,
    name => 'no subject');
call('POST', '/hoi-dap', '/hoi-dap', headers => \%form,
    body => "$ask&text=" . ('a' x 70000), status => 413,
    name => 'over 64 KiB');

# --- the change log (issue 15) ---

my $CH = '/api/v1/changes';
$r = call('GET', $CH, "$CH?after=0&limit=1000", status => 200);
my @kinds = map { $_->{kind} } @{ body_of($r)->{entries} };
ok((grep { $_ eq 'dossier' } @kinds) && (grep { $_ eq 'catalog' } @kinds)
    && (grep { $_ eq 'evaluation' } @kinds) && (grep { $_ eq 'delete' } @kinds)
    && (grep { $_ eq 'feedback' } @kinds),
    'the log holds every kind: ' . join(',', sort keys %{{ map { $_ => 1 } @kinds }}));
call('GET', $CH, "$CH?after=3&limit=2", status => 200, name => 'a page');
call('GET', $CH, $CH, status => 200, name => 'from the oldest');
call('GET', $CH, "$CH?limit=0", status => 400, name => 'limit 0');
call('GET', $CH, "$CH?after=x", status => 400, name => 'a bad after');
call('POST', $CH, $CH, status => 405, as => 'GET', body => '');
$r = call('HEAD', $CH, $CH, status => 200, as => 'GET', name => 'HEAD');
$r = $t->get($CH, headers => { Accept => 'text/event-stream',
    'Last-Event-ID' => 'x' });
is($r->{status}, 400, 'SSE: a bad Last-Event-ID');

# 2099: the next write trims everything the log held, after=0 is gone
$t->stop;
{
    local $ENV{ONESTOP_TODAY} = '2099-01-05';
    ok($t->start, 'nginx again, in 2099');
    call('POST', $ING, $ING, headers => { %admin, %jsonct }, status => 200,
        body => rec(code => '000.00.12.H36-990105-0009',
            agency => '000.00.12.H36', procedure => '1.001234',
            received_at => '2099-01-05', due_at => '2099-01-20'),
        name => 'a write in 2099');
    call('GET', $CH, "$CH?after=0", status => 410, name => 'past retention');
    $t->stop;
}
ok($t->start, 'nginx again');

# the error objects onestop_error_object makes of nginx's own 400, 405,
# 412, 413, 414, 429, 431, 501, 505 and 5xx answers (the reference
# configuration's error_page lines), and its 404 of a path under /api/
# that is no endpoint, from its table (ngx_http_onestop_lookup.c); a 412 is
# a conditional GET's (If-Match), a 404 and a 405 a lookup's, the others
# any write's
my $n = 0;
my $table = Onestop::Test::slurp("$root/ngx_onestop/ngx_http_onestop_lookup.c");
($table) = $table =~ /ngx_http_onestop_refusals\[\] = \{(.*?)\n\};/s;
my @refusals;
while ($table =~ /\{\s*(\d{3}),\s*"(\w+)",\s*((?:"[^"]*"\s*)+)\}/g) {
    my ($st, $code, $m) = ($1, $2, $3);
    push @refusals, [$st, $code, join '', $m =~ /"([^"]*)"/g];
}
push @refusals, [500, 'internal_error', 'the server could not answer'];
for my $e (@refusals) {
    my ($st, $code, $message) = @$e;
    $n++;
    push @cases, { name => "onestop_error_object's $st", status => $st,
        $st == 412 || $st == 404 || $st == 405
                  ? (path => '/api/v1/dossiers/{code}', method => 'GET')
                  : (path => '/api/v1/ingest/dossiers', method => 'POST'),
        body => $json->encode({error => {code => $code,
            message => $message}}) };
}
is($n, 11, "onestop_error_object's error objects: 400, 404, 405, 412, 413, "
    . "414, 429, 431, 501, 505, 5xx");

# --- every JSON body against its schema, in one run of node ---

open(my $fh, '>:raw', "$dir/cases.jsonl") or die;
print $fh $json->encode($_), "\n" for @cases;
close $fh;
my @results = map { $json->decode($_) } grep { /\S/ }
    split /\n/, `node $root/t/openapi_validate.js $dir/openapi.json --cases $dir/cases.jsonl`;
is(scalar @results, scalar @cases, 'the validator answered every case')
    or BAIL_OUT('the validator failed');
for my $i (0 .. $#cases) {
    ok($results[$i]{ok}, "$cases[$i]{name}: the body matches the schema of "
        . "$cases[$i]{method} $cases[$i]{path} $cases[$i]{status}")
        or diag(join("\n", @{ $results[$i]{errors} }) . "\n"
            . substr($cases[$i]{body}, 0, 600));
}

# the validator does catch what breaks a schema
my $bad = $json->encode({ code => $D1, applicant => { name => 'x',
    type => 'citizen' } });
$t->spew('bad.json', $bad);
my $msg = `node $root/t/openapi_validate.js $dir/openapi.json /api/v1/dossiers/{code} GET 200 $dir/bad.json`;
isnt($? >> 8, 0, 'a lookup without its members fails the schema');
like($msg, qr/must have required property 'agency'/, 'and says why');

# every operation of the spec that answers JSON was exercised with success
for my $p (sort keys %{ $spec->{paths} }) {
    for my $m (sort keys %{ $spec->{paths}{$p} }) {
        my $resps = $spec->{paths}{$p}{$m}{responses} // next;
        for my $st (grep { /^2/ } sort keys %$resps) {
            my $resp = deref($resps->{$st});
            next unless $resp->{content}{'application/json'};
            ok($exercised{uc($m) . " $p $st"},
                uc($m) . " $p $st was exercised");
        }
    }
}

$t->check_log;

# Found by this test's schema (pending is a count, at least 0): a question
# sent on a Saturday is received on Monday (Điều 9.1); answered at once,
# its answer counts in a period that does not hold its receipt, and the
# figures of questions gave pending -1.  The engine now counts such an
# answer on the day the question is received (engine/feedback_stats.c).
{
    my $w = Onestop::Test->new(today => '2024-06-15');     # a Saturday
    $w->spew('keys', sha256_hex('oa-admin') . " * admin\n");
    $w->write_standard_conf(serve => [qw(ingest stats)],
        http => "onestop_calendar $root/conf/calendar-vn.txt;\n",
        server => "location /api/v1/feedback { onestop_feedback json; }\n"
            . "location /api/v1/ingest/feedback "
            . "{ onestop_feedback ingest; }\n",
        main => "env ONESTOP_TIME;\n");
    ok($w->start, 'a second nginx, on a Saturday');
    my $r = $w->http('POST', '/api/v1/feedback', headers => \%jsonct,
        body => $json->encode({ kind => 'question', subject => 'Cuối tuần',
            text => 'Hỏi vào thứ Bảy', name => 'Nguyễn Văn An',
            contact => '0912345678' }));
    is($r->{status}, 201, 'a question on a Saturday');
    my $id = body_of($r)->{id} // 0;
    $r = $w->http('POST', "/api/v1/ingest/feedback/$id",
        headers => { %admin, %jsonct },
        body => $json->encode({ answer => 'Trả lời ngay',
            publish => JSON::PP::false }));
    is($r->{status}, 200, 'answered the same day');
    my $tot = body_of($w->get('/api/v1/stats?subject=feedback'))->{totals};
    cmp_ok($tot->{pending} // -1, '>=', 0, 'pending is never negative');
    cmp_ok($tot->{answered} // 1, '<=',
        ($tot->{carried_over} // 0) + ($tot->{received} // 0),
        'no more questions answered than carried over and received');
    my ($vrc, $vout, $verr) = $w->cli('verify');
    is($vrc, 0, 'verify agrees with the counters') or diag("$vout$verr");
}

done_testing();
