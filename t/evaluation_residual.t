#!/usr/bin/perl

# The evaluation summary's rule of five (rules.md section 8) within one
# answer: the totals less the groups shown are the groups withheld, and
# the totals' mean total against the sources shown is the sources
# withheld; when those hold one to four evaluations, that difference would
# be their answers (one citizen's, with one).  So a group or a source is
# withheld besides, until what is withheld holds none or five or more.
# Six evaluations: five of Sở Tư pháp by the desk's key, one of a
# commune's dossier by the receipt's token.

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
    'RS-C1' => ['000.30.01.H36', '1.000894']);
my @recs = map {
    {code => $_, version => 1, agency => $where{$_}[0],
     procedure => $where{$_}[1], channel => 'direct',
     applicant => {name => 'Nguyễn Văn An'},
     received_at => '2024-06-03T08:00:00+07:00',
     due_at => '2024-06-10T17:00:00+07:00',
     resolved_at => '2024-06-07T10:00:00+07:00'}
} sort keys %where;
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => {%admin,
    'Content-Type' => 'application/x-ndjson'},
    body => join('', map { $json->encode($_) . "\n" } @recs));
is($r->{status}, 200, 'dossiers') or diag($r->{content});

sub evaluate ($who, $score) {
    my %a = map { ($_ => $score) } 2 .. 9;
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
    $r = $t->http('GET', "/api/v1/evaluations/summary?$q");
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
$r = $t->http('GET', '/api/v1/evaluations/summary?group=agency');
my $s = $json->decode($r->{content});
is($s->{totals}{evaluations}, 6, 'six in all');
is_deeply([map { $_->{evaluations} } @{ $s->{groups} }], [5, 1],
    'each group keeps its count');
ok(defined $s->{totals}{total_mean}, 'the totals are shown');

# and the CSV alike: the department's row keeps its count, no mean
$r = $t->http('GET', '/api/v1/evaluations/summary?group=agency&format=csv');
is($r->{status}, 200, 'CSV: 200');
my ($row) = grep { /^000\.00\.12\.H36,/ } split /\r?\n/, $r->{content};
my @cell = split /,/, $row // '';
is($cell[2], 5, "CSV: the department's count");
is($cell[4] // '', '', "CSV: no mean total of the department's");

$t->stop;
$t->check_log;

done_testing();
