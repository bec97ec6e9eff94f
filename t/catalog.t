#!/usr/bin/perl

# conf/catalog-longan.json, the province's catalog that the operators'
# guide loads: it is the demo's (build/demo-catalog prints it; "make
# catalog" writes it), valid JSON, and "onestop catalog" loads it whole
# (224 agencies: 18 departments, 15 districts, 191 communes; 26 fields;
# 148 procedures); the demo then writes its dossiers on top of it without
# a conflict, so every id, level and parent is the demo's; and loading it
# again changes nothing.

use v5.36;

use lib 't/lib';

use JSON::PP;
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('catalog.t did not finish in 60 s') };
alarm 60;

my $ROOT = $Onestop::Test::ROOT;
my $file = "$ROOT/conf/catalog-longan.json";
my $json = JSON::PP->new->utf8->canonical;

my $shipped = Onestop::Test::slurp($file);
is(`$ROOT/build/demo-catalog`, $shipped,
    'conf/catalog-longan.json is the demo\'s catalog (make catalog)');

my $doc = eval { $json->decode($shipped) };
ok($doc, 'it is JSON') or diag($@);
my %level;
$level{$_->{level}}++ for @{ $doc->{agencies} };
is_deeply(\%level, {province => 18, district => 15, commune => 191},
    'the departments, districts and communes of Long An');
my %district = map { $_->{id} => 1 }
    grep { $_->{level} eq 'district' } @{ $doc->{agencies} };
is(scalar(grep { $_->{level} eq 'commune' && !$district{$_->{parent}} }
    @{ $doc->{agencies} }), 0, 'every commune\'s parent is a district');

my $t = Onestop::Test->new;
my ($rc, $out, $err) = $t->cli('catalog', $file);
is($rc, 0, 'onestop catalog loads it') or diag($err);
is_deeply(eval { $json->decode($out) },
    {agencies => 224, fields => 26, procedures => 148}, 'whole');

($rc, $out, $err) = $t->cli('demo', '--force', 200);
is($rc, 0, 'the demo writes its dossiers on top of it') or diag($err);
like($err, qr/demo catalog: 0 agencies, 0 fields, 0 procedures/,
    'its own catalog adds nothing: the same ids, names, levels and parents');
($rc, $out, $err) = $t->cli('catalog', $file);
is_deeply([$rc, eval { $json->decode($out) }],
    [0, {agencies => 0, fields => 0, procedures => 0}],
    'loading it again writes nothing');
($rc, $out, $err) = $t->cli('stats', '--period', 'all', '--group', 'level');
my $s = eval { $json->decode($out) } // {};
is($s->{totals}{received} + $s->{totals}{carried_over}, 200,
    'the dossiers count under its agencies');

alarm 0;

done_testing;
