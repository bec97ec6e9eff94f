#!/usr/bin/perl

# The full record for a sync partner (issue 15): GET
# /api/v1/ingest/dossiers/{code} with a key whose scope covers the
# dossier's agency answers the stored record as the write API takes it,
# contacts included; written back unchanged it is "unchanged" (the round
# trip, for every shape of record: dates and instants, an apology, an
# organisation, a received_at derived from submitted_at, a parent's key);
# 404 alike for an absent code, a deleted one and another agency's; 401
# without a key; 405 with Allow for another method.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('sync_partner.t did not finish in 60 s') };
alarm 60;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('sp-admin-key') . " * admin\n"
    . sha256_hex('sp-tuphap-key') . " 000.00.12.H36 Tu phap\n"
    . sha256_hex('sp-benluc-key') . " 000.00.30.H36 Ben Luc district\n"
    . sha256_hex('sp-xaydung-key') . " 000.00.15.H36 Xay dung\n");
$t->write_standard_conf(serve => [qw(ingest lookup)]);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer sp-admin-key');
my %tuphap = (Authorization => 'Bearer sp-tuphap-key');
my %benluc = (Authorization => 'Bearer sp-benluc-key');
my %xaydung = (Authorization => 'Bearer sp-xaydung-key');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my @recs = (
    {code => 'SP-1', version => 3, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'direct',
     applicant => {name => 'Nguyễn Văn Đồng'},
     contact => {phone => '0909111222', email => 'dong@example.vn'},
     notify => ['sms'],
     received_at => '2024-06-03T08:15:00+07:00', due_at => '2024-06-10'},
    {code => 'SP-2', version => 1, agency => '000.30.01.H36',
     procedure => '1.000894', channel => 'online', return_channel => 'postal',
     applicant => {name => 'Công ty TNHH Ánh Dương', type => 'organization'},
     contact => {email => 'lienhe@anhduong.vn'},
     received_at => '2024-05-02', due_at => '2024-05-10T17:00:00+07:00',
     resolved_at => '2024-05-12T01:30:00Z', returned_at => '2024-05-13',
     apology => {issued_at => '2024-05-09', new_due_at => '2024-05-14',
                 reason => 'Cần xác minh thêm; "hồ sơ" gốc'}},
    {code => 'SP-3', version => 2, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'online',
     applicant => {name => 'Lê Thị Hoa'},
     submitted_at => '2024-06-08T20:00:00+07:00', due_at => '2024-06-20'},
    {code => 'SP-4', version => 1, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'postal',
     applicant => {name => 'Trần Bình'},
     received_at => '2024-06-01', due_at => '2024-06-05',
     withdrawn_at => '2024-06-04T10:00:00+07:00'},
);
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

sub get_rec ($code, %h) {
    my $r = $t->get("/api/v1/ingest/dossiers/$code", headers => \%h);
    return ($r, eval { $json->decode($r->{content}) });
}

# the same instant, however it is written
sub instant ($s) {
    return $s if $s =~ /^\d{4}-\d\d-\d\d\z/;
    my ($y, $mo, $d, $h, $mi, $se, $z) =
        $s =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(Z|[+-]\d\d:\d\d)\z/
        or return "bad: $s";
    require Time::Local;
    my $e = Time::Local::timegm($se, $mi, $h, $d, $mo - 1, $y);
    if ($z ne 'Z') {
        my ($sg, $oh, $om) = $z =~ /^([+-])(\d\d):(\d\d)/;
        $e -= ($sg eq '+' ? 1 : -1) * ($oh * 3600 + $om * 60);
    }
    return $e;
}

for my $want (@recs) {
    my $code = $want->{code};
    my ($res, $got) = get_rec($code, %admin);
    is($res->{status}, 200, "$code: 200 for the administrator")
        or diag($res->{content});
    like($res->{headers}{'content-type'}, qr{^application/json}, "$code: JSON");
    like($res->{headers}{'cache-control'} // '', qr/no-store/,
        "$code: not to be cached");
    ok($res->{headers}{etag}, "$code: an ETag");
    for my $k (qw(code version agency procedure channel)) {
        is($got->{$k}, $want->{$k}, "$code: $k");
    }
    is($got->{return_channel}, $want->{return_channel} // 'counter',
        "$code: return_channel");
    is_deeply($got->{applicant}, {type => 'citizen', %{ $want->{applicant} }},
        "$code: the applicant's whole name and type");
    is_deeply($got->{contact}, $want->{contact}, "$code: the contact");
    is_deeply($got->{notify}, $want->{notify},
        "$code: the channels the applicant chose (issue 16), when given");
    for my $k (qw(received_at due_at resolved_at returned_at withdrawn_at
        submitted_at))
    {
        is(defined $got->{$k} ? instant($got->{$k}) : undef,
            defined $want->{$k} ? instant($want->{$k}) : undef,
            "$code: $k, the same time");
    }
    if ($want->{apology}) {
        is($got->{apology}{reason}, $want->{apology}{reason},
            "$code: the apology's reason as written");
        is(instant($got->{apology}{new_due_at}),
            instant($want->{apology}{new_due_at}), "$code: new_due_at");
    } else {
        ok(!exists $got->{apology}, "$code: no apology");
    }

    # the round trip: written back as it is, nothing changes
    my $w = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $res->{content});
    is($w->{status}, 200, "$code: written back") or diag($w->{content});
    is_deeply(eval { $json->decode($w->{content}) },
        {accepted => 0, unchanged => 1, stale => 0},
        "$code: written back unchanged");
    my ($again) = get_rec($code, %admin);
    is($again->{content}, $res->{content}, "$code: read again, the same bytes");
}

# a batch of the records read back, as NDJSON: all unchanged
my $nd = join '', map { (get_rec($_->{code}, %admin))[0]{content} } @recs;
$r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => {%admin, 'Content-Type' => 'application/x-ndjson'}, body => $nd);
is_deeply(eval { $json->decode($r->{content}) },
    {accepted => 0, unchanged => 4, stale => 0},
    'the four read back as NDJSON: four unchanged');

# the received moment Điều 9.1 derived stays derived
my ($res, $sp3) = get_rec('SP-3', %admin);
ok(!exists $sp3->{received_at}, 'SP-3: received_at left out (derived)');

# --- scope ---

($res) = get_rec('SP-1', %tuphap);
is($res->{status}, 200, 'SP-1 with its agency\'s key: 200');
($res) = get_rec('SP-2', %benluc);
is($res->{status}, 200, 'SP-2 with its district\'s key: 200');
my $contact = eval { $json->decode($res->{content})->{contact}{email} };
is($contact, 'lienhe@anhduong.vn', 'the contact for the key in scope');

for my $case (['SP-1', \%xaydung, 'another agency\'s key'],
    ['SP-2', \%tuphap, 'a key of another tree'],
    ['SP-1', \%benluc, 'a district key, a department\'s dossier'],
    ['NO-SUCH-1', \%admin, 'an absent code'],
    ['NO-SUCH-1', \%tuphap, 'an absent code, an agency key'])
{
    my ($code, $h, $name) = @$case;
    ($res) = get_rec($code, %$h);
    is($res->{status}, 404, "$name: 404");
    my $e = eval { $json->decode($res->{content}) } // {};
    is($e->{error}{code}, 'not_found', "$name: not_found");
    unlike($res->{content}, qr/Nguy|0909|example/, "$name: nothing of it");
}
my ($out_of_scope) = get_rec('SP-1', %xaydung);
my ($absent) = get_rec('SP-404', %xaydung);
is($out_of_scope->{content}, $absent->{content},
    'outside the scope and absent: the same answer, byte for byte');

($res) = get_rec('SP-1');
is($res->{status}, 401, 'no key: 401');
($res) = get_rec('SP-1', Authorization => 'Bearer wrong-key');
is($res->{status}, 401, 'a wrong key: 401');

$r = $t->http('PUT', '/api/v1/ingest/dossiers/SP-1', headers => \%admin,
    body => '{}');
is($r->{status}, 405, 'PUT: 405');
is($r->{headers}{allow}, 'GET, HEAD, DELETE', 'Allow: GET, HEAD, DELETE');

$r = $t->http('HEAD', '/api/v1/ingest/dossiers/SP-1', headers => \%admin);
is($r->{status}, 200, 'HEAD: 200');
is($r->{content} // '', '', 'HEAD: no body');

$r = $t->get('/api/v1/ingest/dossiers/not%20a%20code', headers => \%admin);
is($r->{status}, 400, 'not a code: 400');

# deleted: 404 like an absent code
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/SP-4', headers => \%admin);
is($r->{status}, 200, 'SP-4 deleted') or diag($r->{content});
($res) = get_rec('SP-4', %admin);
is($res->{status}, 404, 'a deleted dossier: 404');

# a newer version read back carries it
my %newer = (%{ $recs[0] }, version => 4, resolved_at => '2024-06-09');
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\%newer));
is($r->{status}, 200, 'SP-1 version 4');
my $v4;
($res, $v4) = get_rec('SP-1', %tuphap);
is($v4->{version}, 4, 'read back: version 4');
is($v4->{resolved_at}, '2024-06-09', 'read back: resolved_at as written');

$t->check_log;
done_testing;
