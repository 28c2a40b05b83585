"""The report's words in English and Vietnamese: a small message catalogue with no Qt.

The desktop app translates its own widgets with Qt Linguist; the report is written by the engine
(also from the command line, ``cityplanner report --lang vi``), so its sentences, headings, table
headers, units and generated names live here, as plain Python. Each message is one English text
(exactly what the English report prints) and its Vietnamese text, with ``{name}`` fields filled by
:func:`tr`.

Numbers are written by :func:`format_number`, the one number format of each language: English
``1,234.5``, Vietnamese ``1.234,5`` (dot between thousands, comma before decimals, as Vietnamese
standards and the app's Vietnamese UI write them).

Texts from the project and the catalogue (layer, scenario and placement names; KPI names, which
the catalogue gives in both languages) are shown as they are. Notes the engine writes in English
(why a KPI is n/a, where capacities came from) stay English in either report.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from ..errors import ReportError

LANGUAGES = ("en", "vi")
LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}

# key -> (English, Vietnamese). The English texts are the report's own; keep them identical.
MESSAGES: dict[str, tuple[str, str]] = {
    # -- title page, footer, headings ------------------------------------------------------------
    "plan_report": ("Plan report", "Báo cáo quy hoạch"),
    "plan_report_of": ("Plan report: {city}", "Báo cáo quy hoạch: {city}"),
    "scenarios_line": ("Scenarios: {names}", "Kịch bản: {names}"),
    "date_line": ("Date: {date}", "Ngày lập: {date}"),
    "author_line": ("Author: {author}", "Tác giả: {author}"),
    "map_data": ("Map data {attribution}", "Dữ liệu bản đồ {attribution}"),
    "prepared_with": ("Prepared with CityPlanner", "Lập bằng CityPlanner"),
    "page": ("Page {page}", "Trang {page}"),
    "executive_summary": ("Executive summary", "Tóm tắt"),
    "map_heading": ("Map: {scenario}", "Bản đồ: {scenario}"),
    "kpis_heading": ("KPIs: {scenario}", "Chỉ tiêu KPI: {scenario}"),
    "plan_area": (
        "The plan area holds {people}. Distances are measured {mode}.",
        "Khu vực quy hoạch có {people}. Khoảng cách được đo {mode}.",
    ),
    "people_in_zones": ("{people} people in {zones} zones", "{people} người trong {zones} khu vực"),
    "mode_network": (
        "along the street network where a KPI asks for it, otherwise in a straight line",
        "theo mạng lưới đường phố khi chỉ tiêu yêu cầu, còn lại theo đường chim bay",
    ),
    "mode_euclidean": (
        "in a straight line (the project has no road layer or is set to Euclidean distances)",
        "theo đường chim bay (dự án không có lớp đường giao thông hoặc được đặt đo theo đường thẳng)",
    ),
    # -- KPI tables -------------------------------------------------------------------------------
    "col_code": ("Standard code", "Mã tiêu chuẩn"),
    "col_kpi_names": ("KPI (English / Tiếng Việt)", "Chỉ tiêu (Tiếng Việt / English)"),
    "col_value": ("Value", "Giá trị"),
    "col_unit": ("Unit", "Đơn vị"),
    "col_target": ("Target", "Mục tiêu"),
    "col_status": ("Status", "Trạng thái"),
    "col_change": ("Change", "Thay đổi"),
    "col_kpi": ("KPI", "Chỉ tiêu"),
    "status_note": (
        "Status: met (green), within 10 % of the target (amber), short of it (red), "
        "not computed (grey). Change is the value minus the baseline's value.",
        "Trạng thái: đạt (xanh lá), cách mục tiêu không quá 10 % (cam), chưa đạt (đỏ), "
        "không tính được (xám). Thay đổi là giá trị trừ đi giá trị của hiện trạng.",
    ),
    "status_met": ("met", "đạt"),
    "status_near": ("near", "gần đạt"),
    "status_not met": ("not met", "chưa đạt"),
    "status_n/a": ("n/a", "không tính"),
    "n/a": ("n/a", "không có"),
    # -- districts --------------------------------------------------------------------------------
    "coverage_by_district": ("Coverage by district", "Mức bao phủ theo quận/phường"),
    "district_place_field": (
        "district (zone field '{field}')",
        "quận/phường (trường '{field}' của lớp khu vực)",
    ),
    "district_place": ("district", "quận/phường"),
    "district_intro": (
        "Share of the population of each {place} covered, in %, for the KPIs that count people. "
        "The last row is the whole city (the KPI's value). In plans, the change from the baseline "
        "follows in brackets.",
        "Tỷ lệ dân số được phục vụ (%) của mỗi {place}, với các chỉ tiêu tính theo số dân. "
        "Dòng cuối là toàn thành phố (giá trị của chỉ tiêu). Ở các phương án, thay đổi so với "
        "hiện trạng ghi trong ngoặc.",
    ),
    "col_district": ("District", "Quận/phường"),
    "whole_city": ("Whole city", "Toàn thành phố"),
    "no_district": ("(none)", "(không có)"),
    "coverage_charts": ("Coverage charts", "Biểu đồ mức bao phủ"),
    "charts_changed": (
        "Bar charts of the KPIs the plans change, per district and scenario.",
        "Biểu đồ cột của các chỉ tiêu mà phương án làm thay đổi, theo quận/phường và kịch bản.",
    ),
    "charts_unchanged": (
        "Bar charts of the coverage KPIs per district (no plan changes them).",
        "Biểu đồ cột của các chỉ tiêu bao phủ theo quận/phường (không phương án nào làm thay đổi).",
    ),
    # -- placements -------------------------------------------------------------------------------
    "proposed_placements": ("Proposed placements", "Công trình đề xuất"),
    "placements_intro": (
        "Coordinates are WGS84 longitude and latitude in decimal degrees. The marginal gain is what "
        "the optimiser credits a site with: the people it newly brings within the type's service "
        "radius (a p-median site that only shortens trips shows 0); placements made by hand have "
        "none.",
        "Tọa độ là kinh độ và vĩ độ WGS84 theo độ thập phân. Số người tăng thêm là phần bộ tối ưu "
        "hóa ghi nhận cho mỗi vị trí: số người lần đầu nằm trong bán kính phục vụ của loại công "
        "trình (một vị trí p-median chỉ rút ngắn quãng đường thì ghi 0); công trình đặt thủ công "
        "không có số này.",
    ),
    "col_number": ("#", "#"),
    "col_type": ("Type", "Loại"),
    "col_name": ("Name", "Tên"),
    "col_longitude": ("Longitude", "Kinh độ"),
    "col_latitude": ("Latitude", "Vĩ độ"),
    "col_marginal_gain": ("Marginal gain", "Số người tăng thêm"),
    "col_source": ("Source", "Nguồn"),
    "no_placements": ("This plan has no placements.", "Phương án này không có công trình đề xuất nào."),
    "source_manual": ("manual", "thủ công"),
    "source_optimiser": ("optimiser", "tối ưu hóa"),
    # -- methods appendix -------------------------------------------------------------------------
    "appendix": ("Appendix: methods and data sources", "Phụ lục: phương pháp và nguồn dữ liệu"),
    "kpi_definitions": ("KPI definitions", "Định nghĩa các chỉ tiêu"),
    "definitions_intro": (
        "Each KPI is computed by CityPlanner's KPI catalogue (resources/kpi_catalogue.yaml) for every "
        "scenario from the existing facilities plus the scenario's placements. Status compares the "
        "value with the target in the KPI's direction; near means short by at most 10 % of the target.",
        "Mỗi chỉ tiêu được tính theo danh mục chỉ tiêu KPI của CityPlanner "
        "(resources/kpi_catalogue.yaml) cho từng kịch bản, từ các công trình hiện có cùng các công "
        "trình đề xuất của kịch bản. Trạng thái so sánh giá trị với mục tiêu theo chiều của chỉ "
        "tiêu; gần đạt nghĩa là còn thiếu không quá 10 % so với mục tiêu.",
    ),
    "col_standard_code": ("Standard, code", "Tiêu chuẩn, mã"),
    "col_definition": ("Definition", "Định nghĩa"),
    "col_threshold": ("Threshold", "Ngưỡng"),
    "col_distance": ("Distance", "Khoảng cách"),
    "baseline_note": ("Baseline: {note}", "Hiện trạng: {note}"),
    "target_with_direction": (
        "{target} {unit} ({better} is better)",
        "{target} {unit} ({better} là tốt hơn)",
    ),
    "higher": ("higher", "cao hơn"),
    "lower": ("lower", "thấp hơn"),
    "data_sources": ("Data sources", "Nguồn dữ liệu"),
    "population_source": (
        "Population: field '{field}' of layer '{layer}' ({people}). Working coordinate system: "
        "{crs_name} ({crs_code}). Walking speed {speed} km/h; places further than {snap} m from a "
        "street are not joined to the network.",
        "Dân số: trường '{field}' của lớp '{layer}' ({people}). Hệ tọa độ làm việc: {crs_name} "
        "({crs_code}). Tốc độ đi bộ {speed} km/h; các địa điểm cách đường phố hơn {snap} m không "
        "được nối vào mạng lưới đường.",
    ),
    "surface_sentence": (
        "Where people live: a population surface of {cell} m cells{cells} ({method} method). {note} "
        "Every KPI that counts people, and every proposal, counts them on these cells: a cell is covered "
        "or not from one point inside it; along the streets, the walk to the nearest street is counted "
        "and cells beyond the snap distance are unreachable.",
        "Nơi người dân sinh sống: bề mặt dân số gồm các ô {cell} m{cells} (phương pháp {method}). {note} "
        "Mọi chỉ tiêu tính theo số dân và mọi đề xuất vị trí đều đếm người trên các ô này: một ô được "
        "phục vụ hay không tính từ một điểm bên trong ô; khi đo theo đường phố, quãng đi bộ đến đường "
        "gần nhất được tính và các ô xa hơn khoảng cách bám đường thì không tiếp cận được.",
    ),
    "surface_cells": (", {cells} cells", ", {cells} ô"),
    "method_raster": ("raster", "ảnh raster dân số"),
    "method_dasymetric": ("dasymetric", "phân bổ theo công trình (dasymetric)"),
    "method_uniform": ("uniform", "phân bố đều"),
    "col_layer": ("Layer", "Lớp"),
    "col_role": ("Role", "Vai trò"),
    "col_features": ("Features", "Số đối tượng"),
    "generated": ("(generated)", "(tạo tự động)"),
    "map_data_odbl": (
        "Map data {attribution}, available under the Open Database License 1.0.",
        "Dữ liệu bản đồ {attribution}, cung cấp theo giấy phép Open Database License 1.0.",
    ),
    "map_data_sentence": ("Map data {attribution}.", "Dữ liệu bản đồ {attribution}."),
    "scenario_colours": (
        "Scenario colours in charts: {colours}.",
        "Màu các kịch bản trong biểu đồ: {colours}.",
    ),
    "distance_straight": ("straight line", "đường chim bay"),
    "distance_network": ("street network", "mạng lưới đường phố"),
    "distance_no_network": ("straight line (no road network)", "đường chim bay (không có mạng lưới đường)"),
    # -- map legend and key figures ---------------------------------------------------------------
    "legend": ("Legend", "Chú giải"),
    "legend_zones": ("Zones: % of population, {kpi}", "Khu vực: % dân số, {kpi}"),
    "no_value": ("No value", "Không có giá trị"),
    "legend_layers": ("Layers", "Lớp bản đồ"),
    "legend_parks": ("Parks and green space", "Công viên và không gian xanh"),
    "legend_buildings": ("Buildings", "Tòa nhà"),
    "legend_main_roads": ("Main roads", "Đường chính"),
    "legend_other_streets": ("Other streets", "Đường khác"),
    "legend_priority": ("Priority zone, tier {tier}", "Vùng ưu tiên, mức {tier}"),
    "legend_existing": ("Existing: {labels}", "Hiện có: {labels}"),
    "legend_placements": (
        "Placements (numbers as in the list)",
        "Công trình đề xuất (số như trong danh sách)",
    ),
    "legend_radius": (
        "{label}; dashed: service radius {radius} m",
        "{label}; nét đứt: bán kính phục vụ {radius} m",
    ),
    "key_figures": ("Key figures", "Số liệu chính"),
    "key_figures_change": (
        "Key figures (change from baseline)",
        "Số liệu chính (thay đổi so với hiện trạng)",
    ),
    "north": ("N", "B"),
    # -- summary sentences ------------------------------------------------------------------------
    "baseline_sentence": (
        "The baseline '{scenario}' holds the existing facilities only.",
        "Kịch bản '{scenario}' là hiện trạng, chỉ gồm các công trình hiện có.",
    ),
    "adds_none": (
        "The plan '{scenario}' adds no facilities to the baseline.",
        "Phương án '{scenario}' không bổ sung công trình nào so với hiện trạng.",
    ),
    "adds": (
        "The plan '{scenario}' adds {count} facilities to the baseline: {listed}.",
        "Phương án '{scenario}' bổ sung {count} công trình so với hiện trạng: {listed}.",
    ),
    "and": (" and ", " và "),
    "status_sentence": (
        "Of {total} KPIs, {met} target, {near} within 10 % of it and {short} short",
        "Trong {total} chỉ tiêu, {met} mục tiêu, {near} cách mục tiêu không quá 10 % và {short}",
    ),
    "status_met_count": ("{n} meets its|{n} meet their", "{n} chỉ tiêu đạt|{n} chỉ tiêu đạt"),
    "status_near_count": ("{n} is|{n} are", "{n} chỉ tiêu|{n} chỉ tiêu"),
    "status_short_count": ("{n} falls|{n} fall", "{n} chỉ tiêu chưa đạt|{n} chỉ tiêu chưa đạt"),
    "status_na_part": (
        "; {n} cannot be computed for this project",
        "; {n} chỉ tiêu không tính được cho dự án này",
    ),
    "only_planned": (
        "{count} a value only with the plan's placements, the baseline having no layer of those "
        "facilities: {named}{more}.",
        "{count} chỉ có giá trị khi tính các công trình đề xuất của phương án, vì hiện trạng không "
        "có lớp dữ liệu của các công trình đó: {named}{more}.",
    ),
    "kpi_has_count": ("{n} KPI has|{n} KPIs have", "{n} chỉ tiêu|{n} chỉ tiêu"),
    "and_more": (" and {n} more", " và {n} chỉ tiêu khác"),
    "no_baseline_change": (
        "No KPI with a baseline value changes.",
        "Không chỉ tiêu nào có giá trị hiện trạng thay đổi.",
    ),
    "no_change": ("No KPI changes from the baseline.", "Không chỉ tiêu nào thay đổi so với hiện trạng."),
    "more_change_less": (
        "{n} more KPI changes less; see the KPI table.|{n} more KPIs change less; see the KPI table.",
        "{n} chỉ tiêu khác thay đổi ít hơn; xem bảng chỉ tiêu.|{n} chỉ tiêu khác thay đổi ít hơn; "
        "xem bảng chỉ tiêu.",
    ),
    "change_sentence": (
        "{name} ({name_vi}) {verb} from {before} to {after} ({judgement}; target {target}, {status}).",
        "{name_vi} {verb} ({judgement}; mục tiêu {target}, {status}).",
    ),
    "rises": ("rises", "tăng từ {before} lên {after}"),
    "falls": ("falls", "giảm từ {before} xuống {after}"),
    "better": ("better", "tốt hơn"),
    "worse": ("worse", "kém hơn"),
    "furthest": ("Furthest from their targets: {named}.", "Xa mục tiêu nhất: {named}."),
    "against": ("{name} ({value} against {target})", "{name} ({value} so với mục tiêu {target})"),
    "words_met": ("the target is met", "đạt mục tiêu"),
    "words_near": ("within 10 % of the target", "cách mục tiêu không quá 10 %"),
    "words_not met": ("short of the target", "chưa đạt mục tiêu"),
    "words_n/a": ("not computed", "không tính được"),
    # -- cost -------------------------------------------------------------------------------------
    "cost_line": (
        "Capital cost of the placements: {total} ({parts}).",
        "Chi phí đầu tư các công trình đề xuất: {total} ({parts}).",
    ),
    "cost_none": (
        "Capital cost of the placements: {total} (no placements).",
        "Chi phí đầu tư các công trình đề xuất: {total} (không có công trình đề xuất).",
    ),
    "cost_part": ("{label} {count} × {unit_cost}", "{label} {count} × {unit_cost}"),
    "cost_part_own": (
        "{label} {count}: {cost}, {own} at their own cost",
        "{label} {count}: {cost}, {own} theo chi phí riêng",
    ),
    "cost_unpriced": (
        "; {n} of a type without a unit cost count as 0",
        "; {n} công trình thuộc loại không có đơn giá được tính bằng 0",
    ),
    # -- HTML map ---------------------------------------------------------------------------------
    "kpi_summary": ("KPI summary", "Tóm tắt chỉ tiêu KPI"),
    "layer_zones": ("Zones, {what}: {scenario}", "Khu vực, {what}: {scenario}"),
    "zones": ("zones", "khu vực"),
    "layer_parks": ("Parks", "Công viên"),
    "layer_buildings": ("Buildings", "Tòa nhà"),
    "layer_streets": ("Streets", "Đường phố"),
    "layer_priority": ("Priority zones", "Vùng ưu tiên"),
    "layer_existing": ("Existing: {label}", "Hiện có: {label}"),
    "layer_placements": ("Placements: {scenario}", "Công trình đề xuất: {scenario}"),
    "layer_radius": ("Service radius: {scenario}", "Bán kính phục vụ: {scenario}"),
    "field_priority_tier": ("priority tier", "mức ưu tiên"),
    "field_type": ("type", "loại"),
    "field_name": ("name", "tên"),
    "field_longitude": ("longitude", "kinh độ"),
    "field_latitude": ("latitude", "vĩ độ"),
    "field_marginal_gain": ("marginal gain", "số người tăng thêm"),
    "field_source": ("source", "nguồn"),
    "field_id": ("id", "mã"),
    "field_radius": ("service radius (m)", "bán kính phục vụ (m)"),
    # -- generated names --------------------------------------------------------------------------
    "Baseline": ("Baseline", "Hiện trạng"),
    "role_zones": ("zones", "khu vực"),
    "role_population_surface": ("population_surface", "bề mặt dân số"),
    "role_roads": ("roads", "đường giao thông"),
    "role_buildings": ("buildings", "tòa nhà"),
    "role_hazard": ("hazard", "vùng thiên tai"),
}

# KPI units of the shipped catalogue; other units have their separators localised (see unit()).
UNITS_VI = {
    "%": "%",
    "ha per 100,000 inhabitants": "ha trên 100.000 dân",
    "hotspots": "điểm phát",
    "per 100,000 inhabitants": "trên 100.000 dân",
    "beds per 1,000 people": "giường trên 1.000 dân",
    "pupil places per 1,000 people": "chỗ học trên 1.000 dân",
    "capacity per 100,000 people": "công suất trên 100.000 dân",
    "m": "m",
    "km": "km",
    "people": "người",
}

# The shipped catalogue's KPI definitions in Vietnamese, by KPI id (others stay in English).
DESCRIPTIONS_VI = {
    "transit_stop_500m": (
        "Tỷ lệ dân số sống trong phạm vi 0,5 km đến một điểm dừng giao thông công cộng, đo theo "
        "mạng lưới đường phố khi dự án có lớp đường giao thông (như SDG 11.2.1), nếu không thì "
        "theo đường chim bay."
    ),
    "green_access_400m": (
        "Tỷ lệ dân số sống trong phạm vi 400 m đến không gian công cộng mở; với công viên dạng "
        "vùng, khoảng cách tính đến mép vùng chứ không đến tâm."
    ),
    "green_area_per_100k": (
        "Số hecta không gian xanh công cộng trong thành phố (hợp các khu vực) trên 100.000 dân. "
        "Công viên vẽ dạng điểm (và công viên đề xuất) không góp diện tích, trừ khi loại công viên "
        "có diện tích cho mỗi điểm (area_per_point_m2), điều mà kết quả sẽ ghi rõ; lớp công viên "
        "chỉ có điểm mà không có diện tích đó thì không tính được."
    ),
    "wifi_hotspots": "Số điểm phát Wi-Fi công cộng (hiện có và đề xuất).",
    "wifi_population_100m": (
        "Tỷ lệ dân số trong vùng phủ sóng của điểm phát (tầm sóng 100 m, theo đường chim bay)."
    ),
    "broadband_area_250m": (
        "Tỷ lệ diện tích thành phố (hợp các khu vực) nằm trong phạm vi 250 m đến một trạm phát sóng cỡ nhỏ."
    ),
    "broadband_population_250m": (
        "Tỷ lệ dân số trong phạm vi 250 m đến một trạm phát sóng cỡ nhỏ (tầm sóng, theo đường chim bay)."
    ),
    "traffic_monitoring": (
        "Tỷ lệ chiều dài các đường phố chính trong thành phố (highway trunk, primary, secondary "
        "hoặc tertiary, hoặc trường Type của lớp đường khác hẻm) nằm trong phạm vi 150 m đến một "
        "camera giám sát hoặc cảm biến giao thông."
    ),
    "ev_chargers_per_100k": "Số điểm sạc xe điện trên 100.000 dân.",
    "ev_charger_1km": (
        "Tỷ lệ dân số trong phạm vi 1 km đến một điểm sạc xe điện, theo mạng lưới đường phố khi "
        "dự án có lớp đường giao thông."
    ),
    "health_access_1km": (
        "Tỷ lệ dân số trong phạm vi 1 km đến một cơ sở y tế, theo mạng lưới đường phố khi dự án "
        "có lớp đường giao thông."
    ),
    "health_capacity_2sfca": (
        "Tỷ lệ dân số có năng lực y tế tiếp cận được đạt chuẩn 3 giường trên 1.000 dân. Phương "
        "pháp vùng hấp dẫn di động hai bước (2SFCA): số giường của mỗi cơ sở y tế được chia cho "
        "những người sống trong phạm vi 1 km (theo mạng lưới đường phố khi dự án có lớp đường giao "
        "thông), và mỗi người cộng phần chia của các cơ sở mình tiếp cận được. Số giường lấy từ "
        "trường dữ liệu mà loại công trình chỉ định, nếu không thì theo giá trị mặc định của loại, "
        "như kết quả ghi rõ; kết quả cũng cho phân vị thứ 10, trung vị và hệ số Gini của số giường "
        "trên 1.000 dân theo từng người."
    ),
    "school_access_1km": (
        "Tỷ lệ dân số trong phạm vi 1 km đến một trường học, theo mạng lưới đường phố khi dự án "
        "có lớp đường giao thông."
    ),
    "school_capacity_2sfca": (
        "Tỷ lệ dân số có năng lực trường học tiếp cận được đạt chuẩn 150 chỗ học trên 1.000 dân. "
        "Phương pháp vùng hấp dẫn di động hai bước (2SFCA): số chỗ học của mỗi trường được chia "
        "cho những người sống trong phạm vi 1 km (theo mạng lưới đường phố khi dự án có lớp đường "
        "giao thông), và mỗi người cộng phần chia của các trường mình tiếp cận được. Số chỗ học "
        "lấy từ trường dữ liệu mà loại công trình chỉ định, nếu không thì theo giá trị mặc định của "
        "loại, như kết quả ghi rõ; kết quả cũng cho phân vị thứ 10, trung vị và hệ số Gini của số "
        "chỗ học trên 1.000 dân theo từng người."
    ),
    "disaster_prone_population": (
        "Tỷ lệ dân số sống trong lớp vùng thiên tai của dự án (ngập lụt, sạt lở…); với khu vực "
        "dạng vùng thì tính theo tỷ lệ diện tích."
    ),
}

_PER_PEOPLE = re.compile(r"^(.*?)\bper ([\d,]+) (people|inhabitants|residents)$")


def check_lang(lang: str | None) -> str:
    """``lang`` as one of :data:`LANGUAGES` (``"en"`` for None), or a :class:`ReportError`."""
    code = "en" if lang is None else str(lang).strip().lower()
    if code not in LANGUAGES:
        raise ReportError(f"The report language '{lang}' is not supported (use en or vi).")
    return code


def tr(lang: str, key: str, **fields) -> str:
    """The message ``key`` in ``lang`` with ``fields`` filled in (``{name}``)."""
    english, vietnamese = MESSAGES[key]
    text = vietnamese if lang == "vi" else english
    return text.format(**fields) if fields else text


def tr_count(lang: str, key: str, n: int, **fields) -> str:
    """A message with a singular and a plural form (``"one|many"``), chosen by ``n``."""
    one, many = tr(lang, key).split("|")
    return (one if n == 1 else many).format(n=n, **fields)


# -- numbers --------------------------------------------------------------------------------------
def localise(text: str, lang: str) -> str:
    """A number written the English way (``1,234.5``) in ``lang``'s way (``1.234,5`` in Vietnamese)."""
    if lang != "vi":
        return text
    return text.translate(str.maketrans({",": ".", ".": ","}))


def format_number(value: float | None, lang: str = "en", decimals: int = 1, sign: bool = False) -> str:
    """``value`` with thousands separators and ``decimals`` decimals in ``lang``'s format.

    ``n/a`` (``không có``) for None, NaN or infinity; ``sign`` writes ``+`` before positive values.
    """
    if value is None or not np.isfinite(value):
        return tr(lang, "n/a")
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    return localise(text, lang)


def format_change(value: float | None, lang: str = "en") -> str:
    """A change with its sign (``+1.5``), or ``""`` when there is none to show."""
    if value is None or not np.isfinite(value):
        return ""
    return format_number(value, lang, sign=True)


def format_quantity(value: float | None, unit_text: str, lang: str = "en") -> str:
    """A figure with its unit (``"63.2 %"``, ``"4.0 hotspots"``; the unit in ``lang``)."""
    if value is None or not np.isfinite(value):
        return format_number(value, lang)
    return f"{format_number(value, lang)} {unit(unit_text, lang)}"


def format_general(value: float, lang: str = "en") -> str:
    """A setting as written with ``{:g}`` (``4.8``, ``250``), in ``lang``'s decimal sign."""
    return localise(f"{value:g}", lang)


def format_date(date: dt.date, lang: str = "en") -> str:
    """ISO (``2026-12-01``) in English, ``01/12/2026`` in Vietnamese."""
    return date.strftime("%d/%m/%Y") if lang == "vi" else date.isoformat()


def format_money(amount: float, currency: str, lang: str = "en") -> str:
    """A cost in whole units with its currency: ``190,000 USD`` / ``190.000 USD``."""
    return f"{format_number(amount, lang, decimals=0)} {currency}".strip()


# -- units and names ------------------------------------------------------------------------------
def unit(text: str, lang: str) -> str:
    """A KPI unit in ``lang``: the catalogue's units by name, others with their numbers localised."""
    if lang != "vi" or not text:
        return text
    if text in UNITS_VI:
        return UNITS_VI[text]
    match = _PER_PEOPLE.match(text)
    if match:
        what = match.group(1).strip()
        return f"{what + ' ' if what else ''}trên {localise(match.group(2), lang)} dân"
    return text


def status(code: str, lang: str) -> str:
    """A KPI status (``met``, ``near``, ``not met``, ``n/a``) as the report prints it."""
    key = f"status_{code}"
    return tr(lang, key) if key in MESSAGES else code


def kpi_name(kpi, lang: str) -> str:
    """A KPI's name in ``lang`` (the catalogue's ``name_vi`` in Vietnamese, when it has one)."""
    return (kpi.name_vi or kpi.name) if lang == "vi" else kpi.name


def kpi_names(kpi, lang: str) -> tuple[str, str]:
    """(name in ``lang``, name in the other language), for tables showing both."""
    if lang == "vi":
        return kpi.name_vi or kpi.name, kpi.name
    return kpi.name, kpi.name_vi


def kpi_description(kpi, lang: str) -> str:
    """The KPI's definition; in Vietnamese for the shipped catalogue's KPIs."""
    return DESCRIPTIONS_VI.get(kpi.id, kpi.description) if lang == "vi" else kpi.description


def type_label(ftype, lang: str) -> str:
    """A facility type's label in ``lang`` (``label_vi`` in Vietnamese when it has one)."""
    return (ftype.label_vi or ftype.label) if lang == "vi" else ftype.label


def scenario_name(name: str, lang: str) -> str:
    """A scenario's name; the default baseline name ('Baseline') is translated."""
    return tr(lang, "Baseline") if name == "Baseline" else name


def role_name(role: str | None, project, lang: str) -> str | None:
    """A layer role as the report's layer table prints it (facility types by their label)."""
    if lang != "vi" or role is None:
        return role
    if role in project.facility_types:
        return type_label(project.facility_types[role], lang)
    key = f"role_{role}"
    return tr(lang, key) if key in MESSAGES else role


def placement_name(name: str, type_name: str, project, lang: str) -> str:
    """A placement's name; a name the optimiser generated ("EV charger MCLP 2") in ``lang``.

    Names a planner typed stay as they are.
    """
    ftype = project.facility_types.get(type_name)
    if lang != "vi" or ftype is None or not isinstance(name, str):
        return name
    match = re.fullmatch(re.escape(ftype.label) + r" (MCLP|LSCP|PMEDIAN) (\d+)", name)
    if match is None:
        return name
    return f"{type_label(ftype, lang)} {match.group(1)} {match.group(2)}"


def source_name(source: str, lang: str) -> str:
    """Where a placement came from (``manual``, ``optimiser``) in ``lang``."""
    key = f"source_{source}"
    return tr(lang, key) if key in MESSAGES else source
