#!/usr/bin/perl

# The embeddable widgets (SPEC section 7, issue 7) as a browser shows
# them: the HTML card of a district and of the province, loaded in
# headless Chromium, framed by another page, show this year's figures of
# the API (received, resolved, on-time rate, overdue in progress); the
# SVG badge renders to an image of its computed width.  Screenshots go to
# the test's directory, or to docs/img/ with ONESTOP_SCREENSHOTS=1 (`make
# screenshots`).  Skipped when there is no chromium.

use v5.36;
use utf8;

use lib 't/lib';

use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Browser;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'no chromium (apt-get install chromium)'
    unless Onestop::Browser::available();

my $ROOT = $Onestop::Test::ROOT;
my $json = JSON::PP->new->utf8;

my $t = Onestop::Test->new(today => '2024-11-20');

my ($rc, undef, $err) = $t->cli('demo', '3000');
is($rc, 0, 'the demo data set') or BAIL_OUT("demo: $err");

mkdir $t->dir . '/www';
$t->write_standard_conf(serve => [qw(stats widget)], map_size => '1g',
    zone => '4m', keys => 0, server => 'location /www/ { root %%DIR%%; }');
ok($t->start, 'nginx with the widgets');

sub vi_int ($n) {
    my $s = reverse "$n";
    $s =~ s/(\d{3})(?=\d)/$1./g;
    return scalar reverse $s;
}

sub vi_rate ($num, $den) {
    return '—' unless $den;
    my $tenths = int(($num * 2000 + $den) / (2 * $den));
    return sprintf('%d,%d %%', int($tenths / 10), $tenths % 10);
}

for my $agency ('province', '000.00.36.H36') {
    my $q = $agency eq 'province' ? '' : "&under=$agency";
    my $r = $t->get("/api/v1/stats?period=year$q");
    is($r->{status}, 200, "$agency: this year's figures");
    my $c = $json->decode($r->{content})->{totals};

    # the card, framed by another site's page as an agency would embed it
    my $page = $t->dir . '/www/embed.html';
    open(my $fh, '>:utf8', $page) or die;
    print $fh '<!DOCTYPE html><html lang="vi"><meta charset="utf-8">'
        . '<body><iframe id="w" width="320" height="240" src="/widget/'
        . "$agency.html\" title=\"Số liệu giải quyết hồ sơ\" "
        . 'style="border:0"></iframe></body></html>';
    close $fh;

    my $dom = Onestop::Browser::dump_dom($t->url("/widget/$agency.html"));
    ok(defined $dom, "$agency: the card loads in Chromium")
        or diag($Onestop::Browser::LAST_ERROR);
    $dom //= '';
    $dom = decode('UTF-8', $dom) unless utf8::is_utf8($dom);

    my %shown = $dom =~ /data-field="([a-z_]+)">([^<]*)</g;
    is($shown{received}, vi_int($c->{received}), "$agency: received");
    is($shown{resolved}, vi_int($c->{resolved}), "$agency: resolved");
    is($shown{on_time_rate},
        vi_rate($c->{resolved_in_time}, $c->{resolved}),
        "$agency: the on-time rate, as the API's");
    is($shown{pending_overdue}, vi_int($c->{pending_overdue}),
        "$agency: overdue in progress");

    # framed: the CSP lets any site frame it by default
    my $framed = Onestop::Browser::dump_dom($t->url('/www/embed.html'));
    ok(defined $framed && $framed =~ /<iframe/, "$agency: framed by a page");

    my $svg = $t->get("/widget/$agency.svg");
    is($svg->{status}, 200, "$agency: the badge");
    my ($width) = $svg->{content} =~ /<svg[^>]* width="(\d+)"/;
    ok($width && $width > 60, "$agency: a computed width ($width)");

    if ($agency ne 'province') {
        my $img = $ENV{ONESTOP_SCREENSHOTS} ? "$ROOT/docs/img" : $t->dir;
        my $png = "$img/widget-card.png";
        ok(Onestop::Browser::screenshot($t->url("/www/embed.html"), $png,
            360, 280), 'a screenshot of the framed card');
        my @size = Onestop::Browser::png_size($png);
        is_deeply(\@size, [360, 280], 'its size');

        my $badge = "$img/widget-badge.png";
        ok(Onestop::Browser::screenshot($t->url("/widget/$agency.svg"),
            $badge, $width + 16, 36), 'a screenshot of the badge');
    }
}

$t->check_log;
done_testing;
