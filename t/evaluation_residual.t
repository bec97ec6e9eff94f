#!/usr/bin/perl

# The evaluation summary's rule of five (rules.md section 8) within one
# answer: the totals less the groups shown are the groups withheld, and
# the totals' mean total against the sources shown is the sources
# withheld; when those hold one to four evaluations, that difference would
# be their answers (one citizen's, with one).  So a group or a source is
# withheld besides, until what is withheld holds none or five or more.
# Six evaluations: five of Sở Tư pháp by the desk's key, one of a
# commune's dossier by the receipt's token (all direct).  And an index's
# answers likewise: of fewer than five, in the totals or a group, its count
# only, since the groups' counts tell whose they are; six more (postal):
# five of Sở Xây dựng answering index 2, one of another commune's dossier
# answering index 9 alone.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
my $QRKEY = '7d' x 32;
$t->spew('keys', sha256_hex('rs-admin') . " * admin\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_standard_conf(serve => [qw(ingest evaluate stats)], qr_key => 1);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer rs-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

my %where = (map({ ("RS-A$_" => ['000.00.12.H36', '1.001234']) } 1 .. 5),
    'RS-C1' => ['000.30.01.H36', '1.000894'],
    map({ ("RS-B$_" => ['000.00.15.H36', '1.009999']) } 1 .. 5),
    'RS-D1' => ['000.30.02.H36', '1.000894']);
my @recs = map {
    {code => $_, version => 1, agency => $where{$_}[0],
     procedure => $where{$_}[1], channel => /^RS-[AC]/ ? 'direct' : 'postal',
     applicant => {name => 'Nguyễn Văn An'},
     received_at => '2024-06-03T08:00:00+07:00',
     due_at => '2024-06-10T17:00:00+07:00',
     resolved_at => '2024-06-07T10:00:00+07:00'}
} sort keys %where;
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => {%admin,
    'Content-Type' => 'application/x-ndjson'},
    body => join('', map { $json->encode($_) . "\n" } @recs));
is($r->{status}, 200, 'dossiers') or diag($r->{content});

sub evaluate ($who, $score, @indices) {
    my %a = map { ($_ => $score) } @indices ? @indices : 2 .. 9;
    my $r = $t->http('POST', '/api/v1/evaluations',
        headers => {'Content-Type' => 'application/json',
                    ($who->{code} ? %admin : ())},
        body => $json->encode({%$who, answers => \%a}));
    is($r->{status}, 201, 'evaluated') or diag($r->{content});
}

evaluate({code => "RS-A$_"}, 2) for 1 .. 5;
my $token = 'RS-C1.' . substr(encode_base64url(hmac_sha256('RS-C1',
    pack('H*', $QRKEY))), 0, 16);
evaluate({token => $token}, 0);                 # the citizen's own
sub token_of ($code) {
    return "$code." . substr(encode_base64url(hmac_sha256($code,
        pack('H*', $QRKEY))), 0, 16);
}
evaluate({code => "RS-B$_"}, 2, 2) for 1 .. 5;
evaluate({token => token_of('RS-D1')}, 0, 9);  # index 9 alone

# what is withheld in one answer: none, or five evaluations or more
sub withheld_ok ($name, @parts) {
    my $n = 0;
    $n += $_->{evaluations} for grep { $_->{withheld} } @parts;
    ok($n == 0 || $n >= 5, "$name: what is withheld holds $n evaluations")
        or diag(explain(\@parts));
}

for my $q ('group=agency', 'group=top_agency', 'group=level',
    'group=procedure', 'group=agency,channel', 'agency=000.00.12.H36',
    '')
{
    $r = $t->http('GET', "/api/v1/evaluations/summary?channel=direct&$q");
    is($r->{status}, 200, "?$q: 200") or next;
    my $s = $json->decode($r->{content});
    my $totals = $s->{totals};

    if (!$totals->{withheld}) {
        withheld_ok("?$q, groups", @{ $s->{groups} });

        # the commune's one answer is not the totals less the others
        my %rest = map { ($_ => $totals->{2}{scores}{$_}) } 0 .. 2;
        for my $g (grep { !$_->{withheld} } @{ $s->{groups} }) {
            $rest{$_} -= $g->{2}{scores}{$_} for 0 .. 2;
        }
        my $left = $totals->{evaluations};
        $left -= $_->{evaluations} for grep { !$_->{withheld} }
            @{ $s->{groups} };
        ok($left == 0 || $left >= 5 || !@{ $s->{groups} },
            "?$q: the totals less the groups shown cover $left");
    }

    for my $part ($totals, @{ $s->{groups} }) {
        next if $part->{withheld};
        my @src = map {
            {evaluations => $part->{sources}{$_}{evaluations},
             withheld => $part->{sources}{$_}{evaluations}
                 && !defined $part->{sources}{$_}{total_mean}}
        } sort keys %{ $part->{sources} };
        withheld_ok("?$q, sources", @src);
    }
}

# the counts stay
$r = $t->http('GET',
    '/api/v1/evaluations/summary?channel=direct&group=agency');
my $s = $json->decode($r->{content});
is($s->{totals}{evaluations}, 6, 'six in all');
is_deeply([map { $_->{evaluations} } @{ $s->{groups} }], [5, 1],
    'each group keeps its count');
ok(defined $s->{totals}{total_mean}, 'the totals are shown');

# and the CSV alike: the department's row keeps its count, no mean
$r = $t->http('GET',
    '/api/v1/evaluations/summary?channel=direct&group=agency&format=csv');
is($r->{status}, 200, 'CSV: 200');
my ($row) = grep { /^000\.00\.12\.H36,/ } split /\r?\n/, $r->{content};
my @cell = split /,/, $row // '';
is($cell[2], 5, "CSV: the department's count");
is($cell[4] // '', '', "CSV: no mean total of the department's");

# an index's answers: the commune citizen's index 9 is no mean of the
# totals (its one answer, the commune's count of it says whose)
for my $q ('group=agency', '') {
    $r = $t->http('GET', "/api/v1/evaluations/summary?channel=postal&$q");
    my $s = $json->decode($r->{content});
    my $tot = $s->{totals};
    is($tot->{evaluations}, 6, "postal ?$q: six");
    is_deeply($tot->{9}, {count => 1, mean => undef, scores => undef},
        "postal ?$q: index 9, one answer, its count only");
    is($tot->{2}{count}, 5, "postal ?$q: index 2, five answers");
    ok(defined $tot->{2}{mean}, "postal ?$q: shown");
    is($tot->{total_mean}, undef, "postal ?$q: no mean total (index 9 is "
        . 'the total less the others)');
    for my $g (@{ $s->{groups} }) {
        ok(!defined $g->{9}{mean} && !defined $g->{9}{scores},
            "postal ?$q: $g->{agency}: no figure of index 9");
    }
}

$t->stop;
$t->check_log;

done_testing();
